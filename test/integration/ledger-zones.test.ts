import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contact, ledger, reminder } from '../../src/db/schema/index.ts';
import type { fixedClock } from '../../src/lib/clock.ts';
import { ZONE_HOLD } from '../../src/services/reminders/gates.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { dueReminder, tickDepsOf } from '../support/due-reminder.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';

/**
 * A ledger's zone decides when its reminders go out (issue 28, "Time zones"). QuickBooks does not
 * say a company's zone: its country and state decide it, a guess is shown as one, and the owner's
 * correction is kept.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

type Listed = { id: string; timezone: string; timezoneGuessed: boolean };

async function company(country: string, region?: string) {
  const q = await quickBooksSetup(database, server);
  Object.assign(q.fake.realms.get(q.realmId)!, { country, region });
  expect((await q.connect()).status).toBe(302);
  const listed = async () => {
    const res = await q.app.request('/api/v1/ledgers', { headers: { cookie: q.user.cookie } });
    return ((await res.json()) as { ledgers: Listed[] }).ledgers[0]!;
  };
  const patch = async (body: unknown) =>
    q.app.request(`/api/v1/ledgers/${(await q.ledgerRow()).id}`, {
      method: 'PATCH',
      headers: { cookie: q.user.cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { ...q, listed, patch };
}

describe('the zone of a QuickBooks company', () => {
  it('comes from its state in the United States, and from its country elsewhere', async () => {
    const ca = await company('US', 'CA');
    expect(await ca.listed()).toMatchObject({ timezone: 'America/Los_Angeles', timezoneGuessed: false });
    await database.drop();
    database = await createTestDatabase();
    const fr = await company('FR');
    expect(await fr.listed()).toMatchObject({ timezone: 'Europe/Paris', timezoneGuessed: false });
  });

  it('is shown as a guess without a state; the owner corrects it, and a reconnect keeps the correction', async () => {
    const us = await company('US');
    const before = await us.listed();
    expect(before).toMatchObject({ timezone: 'America/New_York', timezoneGuessed: true });
    const res = await us.patch({ timezone: 'America/Denver' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ timezone: 'America/Denver' });
    expect(await us.listed()).toMatchObject({ timezone: 'America/Denver', timezoneGuessed: false });
    expect((await us.connect()).status).toBe(302);
    expect(await us.listed()).toMatchObject({ timezone: 'America/Denver', timezoneGuessed: false });
  });

  it('refuses a zone nobody knows, with a clear error, and changes nothing', async () => {
    const us = await company('US', 'TX');
    const res = await us.patch({ timezone: 'Mars/Olympus_Mons' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/not a known IANA time zone/);
    expect(await us.listed()).toMatchObject({ timezone: 'America/Chicago' });
  });
});

describe('a debtor whose local time nobody knows (reliability #26)', () => {
  it('is held, not sent to, while the zone is a guess; confirming it releases the reminder', async () => {
    const { us, r } = await guessedCompanyWithDueReminder();
    const tickDeps = tickDepsOf(database, us.deps);
    await tick(tickDeps);
    const held = await reminderRow(r.id);
    expect(us.deps.mailer.sent).toEqual([]);
    expect(held).toMatchObject({ status: 'scheduled', statusReason: ZONE_HOLD });
    expect(held.dueAt.getTime() - us.deps.clock.now().getTime()).toBe(24 * 3_600_000);
    expect(held.gateResults).toContainEqual(expect.objectContaining({ gate: 'time_zone', ok: false }));

    // The owner confirms the guess as it stands: the reminder goes on the next tick.
    const res = await us.patch({ timezone: 'America/New_York' });
    expect(res.status).toBe(200);
    expect(await us.listed()).toMatchObject({ timezone: 'America/New_York', timezoneGuessed: false });
    expect(await reminderRow(r.id)).toMatchObject({
      status: 'scheduled',
      statusReason: null,
      dueAt: us.deps.clock.now(),
    });
    await tick(tickDeps);
    expect(us.deps.mailer.sent).toHaveLength(1);
    expect(await reminderRow(r.id)).toMatchObject({ status: 'sent' });
  });

  it("goes by the debtor's own zone when the ledger's is a guess", async () => {
    const { us, r, who } = await guessedCompanyWithDueReminder();
    await database.db.update(contact).set({ timezone: 'America/Chicago' }).where(eq(contact.id, who.id));
    await tick(tickDepsOf(database, us.deps));
    expect(us.deps.mailer.sent).toHaveLength(1);
    expect((await reminderRow(r.id)).statusReason).not.toBe(ZONE_HOLD);
  });
});

/** The customer of the seeded invoices (Intuit's example names customer 1), as the ledger has it. */
const debtor = {
  Id: '1',
  DisplayName: "Amy's Bird Sanctuary",
  PrimaryEmailAddr: { Address: 'birds@intuit.example.com' },
  MetaData: { LastUpdatedTime: '2026-10-01T00:00:00Z' },
};

/**
 * A US company without a state (its zone guessed: New York), out of safe mode (a new connection's
 * default) so what passes the gates is sent, at 15:00 on a Tuesday in New York, with a reminder due.
 */
async function guessedCompanyWithDueReminder() {
  const us = await company('US');
  us.fake.seedInvoices(us.realmId, 3);
  await us.sync();
  us.fake.realms.get(us.realmId)!.Customer.push(debtor);
  const l = await us.ledgerRow();
  await database.db.update(ledger).set({ safeMode: false }).where(eq(ledger.id, l.id));
  (us.deps.clock as ReturnType<typeof fixedClock>).set('2026-11-24T20:00:00Z');
  const { reminder: r, contact: who } = await dueReminder(database, us.deps, l);
  return { us, r, who };
}

async function reminderRow(id: string) {
  return (await database.db.select().from(reminder).where(eq(reminder.id, id)))[0]!;
}
