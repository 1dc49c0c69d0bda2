import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/types.ts';
import { connection, invoice, ledger, reminder } from '../../src/db/schema/index.ts';
import type { fixedClock } from '../../src/lib/clock.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/db.ts';
import { dueReminder, tickDepsOf } from '../support/due-reminder.ts';
import { expireAccessToken } from '../support/factories.ts';
import { useMsw } from '../support/msw.ts';
import { waitUntil } from '../support/wait.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { connectXero } from '../support/xero/connected.ts';
import { XeroFake } from '../support/xero/fake.ts';
import { msDate } from '../support/xero/fixtures.ts';

/**
 * A provider that accepts the connection and never answers (issue 28, "No timeouts"; reliability
 * tests 11 and 12). Before every call had a deadline, each of these waited forever: the sync, the
 * refresh (holding the connection's row lock) and the reminder tick, which then sent nothing for
 * any firm until a restart.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const FAST = { PROVIDER_TIMEOUT_MS: '150' };

async function xeroLedger() {
  const fake = new XeroFake();
  server.use(...fake.handlers());
  const c = await connectXero(database, fake, FAST);
  fake.seedInvoices(c.tenant, 2, { start: new Date('2026-11-01T00:00:00Z') });
  const sync = async () =>
    syncLedger({ ctx: c.ctx, input: { ledgerId: c.ledger.id } }, await c.deps.integrations.resolve(c.ledger));
  await sync();
  return { ...c, fake, sync };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err as ConnectorError,
  );

describe('every provider call has a deadline', () => {
  it('a Xero read that never answers fails as a retryable timeout, and the next call goes through', async () => {
    const c = await xeroLedger();
    c.fake.stalls.add(/\/Invoices/, 100);
    const err = await failure(c.sync());
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'timeout', retryable: true, provider: 'xero' });
    // Each attempt waited its deadline and was given up (6 attempts), then the call failed.
    expect(c.fake.stalls.count).toBe(6);
    // The stalled attempts released their rate-limit slots: once Xero answers, so does the sync.
    c.fake.stalls.clear();
    await expect(c.sync()).resolves.toBeDefined();
  });

  it('a Xero token refresh that never answers fails as a timeout; the connection stays active and the next refresh works', async () => {
    const c = await xeroLedger();
    await expireAccessToken(database.db, c.connection.id);
    c.fake.stalls.add(/connect\/token/, 1);
    const err = await failure(c.sync());
    expect(err).toMatchObject({ code: 'timeout', provider: 'xero' });
    const [conn] = await database.db.select().from(connection).where(eq(connection.id, c.connection.id));
    expect(conn).toMatchObject({ status: 'active' });
    // The row lock was released with the failed refresh: the next caller refreshes at once.
    await c.sync();
    expect(c.fake.tokenCalls.refresh_token).toBe(2);
  });

  it("another process's refresh that does not finish holds this one only for a bounded time", async () => {
    const c = await xeroLedger();
    await expireAccessToken(database.db, c.connection.id);
    if (onPostgres()) {
      // A second process holds the connection's row lock and never lets go (frozen mid-refresh):
      // this one stops waiting after the refresh deadline + 5 s, with a retryable timeout.
      let locked!: () => void;
      let release!: () => void;
      const isLocked = new Promise<void>((r) => {
        locked = r;
      });
      const released = new Promise<void>((r) => {
        release = r;
      });
      const holder = database.db.transaction(async (tx) => {
        await tx.select().from(connection).where(eq(connection.id, c.connection.id)).for('update');
        locked();
        await released;
      });
      await isLocked;
      const err = await failure(c.sync());
      expect(err).toMatchObject({ code: 'timeout', retryable: true, provider: 'xero' });
      expect(c.fake.tokenCalls.refresh_token).toBe(0);
      release();
      await holder;
    } else {
      // The embedded database serves one process, one transaction at a time: the other holder
      // is a second set of integrations whose refresh stalls at Xero. Its deadline ends its hold.
      c.fake.stalls.add(/connect\/token/, 1);
      const other = c.otherProcess();
      const stuck = failure(other.resolve(c.ledger).then((x) => x.fetchOne(c.tenant.tenantId, 'invoices', 'none')));
      // Its refresh has the lock and is waiting on Xero before this one asks.
      await waitUntil(async () => c.fake.stalls.count === 1, { what: 'the other refresh to stall', timeoutMs: 5_000 });
      const err = await failure(c.sync());
      expect(err).toBeUndefined();
      expect(await stuck).toMatchObject({ code: 'timeout', provider: 'xero' });
      expect(c.fake.stalls.count).toBe(1);
    }
    // The lock is free again: the next caller refreshes.
    await c.sync();
    expect(c.fake.tokenCalls.refresh_token).toBe(onPostgres() ? 1 : 2);
  });

  it('a QuickBooks read that never answers fails as a timeout', async () => {
    const q = await quickBooksSetup(database, server, undefined, FAST);
    expect((await q.connect()).status).toBe(302);
    q.fake.stalls.add(/\/query/, 100);
    const err = await failure(q.sync());
    expect(err).toMatchObject({ code: 'timeout', retryable: true, provider: 'quickbooks' });
    expect(q.fake.stalls.count).toBe(6);
  });

  it('the reminder tick finishes while a ledger never answers: its reminder waits, nothing is sent', async () => {
    const c = await xeroLedger();
    const { reminder: r } = await dueReminder(database, c.deps, c.ledger);
    c.fake.stalls.add(/./, 1000);
    const result = await tick(tickDepsOf(database, c.deps));
    expect(result).toMatchObject({ claimed: 1 });
    expect(result.sent).toBeUndefined();
    expect(c.fake.stalls.count).toBeGreaterThan(0);
    expect(c.deps.mailer.sent).toHaveLength(0);
    const [after] = await database.db.select().from(reminder).where(eq(reminder.id, r!.id));
    expect(after!.status).not.toBe('sent');
  });

  it("a ledger that never answers holds only its own reminders: another organisation's goes out meanwhile", async () => {
    const c = await xeroLedger();
    // A second organisation of the same user, connected by a second consent.
    const other = c.fake.addTenant('xu-1', 'Quayside Ltd');
    c.fake.seedInvoices(other, 1, { start: new Date('2026-11-01T00:00:00Z') });
    const start = await c.app.request('/connect/xero', { headers: { cookie: c.user.cookie } });
    const cb = new URL(c.fake.consent(start.headers.get('location')!, 'xu-1', [other.tenantId]));
    expect((await c.app.request(`${cb.pathname}${cb.search}`, { headers: { cookie: c.user.cookie } })).status).toBe(
      302,
    );
    const [quayside] = await database.db.select().from(ledger).where(eq(ledger.externalId, other.tenantId));
    await syncLedger({ ctx: c.ctx, input: { ledgerId: quayside!.id } }, await c.deps.integrations.resolve(quayside!));
    // Past safe mode (new ledgers queue every reminder for approval), and Friday 10:00 in
    // Auckland: inside both ledgers' send windows.
    await database.db.update(ledger).set({ safeMode: false }).where(eq(ledger.firmId, c.firm.id));
    (c.deps.clock as ReturnType<typeof fixedClock>).set('2026-11-19T21:00:00Z');
    for (const l of [c.ledger, quayside!]) {
      const { invoice: i, contact: who } = await dueReminder(database, c.deps, l);
      await database.db.update(invoice).set({ dueDate: '2026-11-01' }).where(eq(invoice.id, i.id));
      // The ledger has the customer too (the pre-send read finds it active, with its address).
      (l.id === quayside!.id ? other : c.tenant).Contacts.push({
        ContactID: i.contactExternalId,
        Name: who.name,
        EmailAddress: who.email,
        ContactStatus: 'ACTIVE',
        IsCustomer: true,
        UpdatedDateUTC: msDate(new Date('2026-11-01T00:00:00Z')),
      });
    }
    // Harbour Dental's organisation stops answering; Quayside's answers.
    c.fake.stalls.add(/./, 1000, (req) => req.headers.get('xero-tenant-id') === c.tenant.tenantId);
    const stalledWhenSent: number[] = [];
    const mailer = {
      kind: 'capture' as const,
      send: async (m: Parameters<typeof c.deps.mailer.send>[0]) => {
        stalledWhenSent.push(c.fake.stalls.count);
        return c.deps.mailer.send(m);
      },
    };
    const result = await tick(tickDepsOf(database, c.deps, mailer));
    expect(result).toMatchObject({ claimed: 2 });
    // Quayside's reminder was sent while Harbour Dental's reads were still failing one by one:
    // it did not wait for all six attempts to give up.
    expect(c.fake.stalls.count).toBe(6);
    const [quaysideReminder] = await database.db.select().from(reminder).where(eq(reminder.ledgerId, quayside!.id));
    expect(quaysideReminder!.status).toBe('sent');
    expect(stalledWhenSent).toHaveLength(1);
    expect(stalledWhenSent[0]).toBeLessThan(6);
  });
});
