import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connection } from '../../src/db/schema/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { warnExpiringGrants } from '../../src/services/grant-expiry.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';

/**
 * Intuit's refresh tokens stop at a fixed date, five years after the consent (issue 28,
 * "QuickBooks refresh-token cap"). The date was stored and never read: on that day the ledger
 * stopped and nobody had been told. Owners are now warned 30 and 7 days before, once each.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const DAY = 86_400_000;

describe('a QuickBooks connection near its five-year cap', () => {
  it('warns the owners 30 and 7 days before, once each; a new consent starts over', async () => {
    const q = await quickBooksSetup(database, server);
    expect((await q.connect()).status).toBe(302);
    const clock = fixedClock('2026-11-20T10:00:00Z');
    const deps = {
      db: database.db,
      clock,
      logger: q.deps.logger,
      notices: { mailer: q.deps.mailer, mailFrom: 'reminders@overdue.example.com', publicUrl: 'https://o.example' },
    };
    const conn = async () => (await database.db.select().from(connection).where(eq(connection.firmId, q.firm.id)))[0]!;
    // Just connected: the cap Intuit sent is years away.
    expect((await conn()).refreshHardExpiresAt!.getTime()).toBeGreaterThan(clock.now().getTime() + 4 * 365 * DAY);
    expect(await warnExpiringGrants(deps)).toBe(0);

    const cap = new Date(clock.now().getTime() + 25 * DAY);
    await database.db
      .update(connection)
      .set({ refreshHardExpiresAt: cap })
      .where(eq(connection.id, (await conn()).id));
    expect(await warnExpiringGrants(deps)).toBe(1);
    expect(await warnExpiringGrants(deps)).toBe(0);
    const first = q.deps.mailer.sent.at(-1)!;
    expect(first.subject).toBe('Reconnect Riverside Joinery before 2026-12-15');
    expect(first.to).toEqual([expect.stringMatching(/@example\.com$/)]);
    expect(first.text).toContain('https://o.example/connect/quickbooks');

    clock.advance(19 * DAY); // six days left
    expect(await warnExpiringGrants(deps)).toBe(1);
    expect(await warnExpiringGrants(deps)).toBe(0);
    expect(q.deps.mailer.sent.filter((m) => m.subject.startsWith('Reconnect'))).toHaveLength(2);
    expect((await conn()).hardExpiryWarnedDays).toBe(7);

    // Consent given again: Intuit's new cap is five years on, and the warnings start over.
    expect((await q.connect()).status).toBe(302);
    expect((await conn()).hardExpiryWarnedDays).toBeNull();
  });
});
