import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { auditLog, collectionState, reminder } from '../../src/db/schema/index.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeInvoice, makeLedger } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { signedIn } from '../support/session.ts';

/**
 * A payment plan is chased instalment by instalment, with the amounts it names: one that does not
 * add up to what the invoice still owes would make every later reminder name the wrong
 * instalment and amount. Refused with the reason, from the API and the dashboard alike, and
 * nothing already agreed is lost.
 */
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function setup() {
  const w = await reminderWorld(database.db);
  const app = createApp(await testDeps(database, { clock: w.clock }));
  const user = await signedIn(database.db, w.firm.id);
  const c = await makeContact(database.db, w.ledger, { name: 'Tanaka Shoji' });
  const inv = await makeInvoice(database.db, c, {
    currency: 'JPY',
    total: '104188',
    amountDue: '104188',
    dueDate: '2026-11-10',
  });
  w.stub.put(inv);
  await replanContacts(w.deps, [c.id]);
  const call = (body: unknown, id = inv.id) =>
    app.request(`/api/v1/invoices/${id}/collection`, {
      method: 'PATCH',
      headers: { cookie: user.cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const form = (plan: string) =>
    app.request(`/ui/invoices/${inv.id}/plan`, {
      method: 'POST',
      headers: { cookie: user.cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ plan, back: `/customers/${c.id}` }).toString(),
    });
  const state = async () =>
    (await database.db.select().from(collectionState).where(eq(collectionState.invoiceId, inv.id)))[0];
  const reminders = async () =>
    (await database.db.select().from(reminder).where(eq(reminder.contactId, c.id))).map((r) => r.stepKey).sort();
  return { ...w, app, user, c, inv, call, form, state, reminders };
}

const halves = [
  { dueDate: '2026-12-20', amount: '52094' },
  { dueDate: '2027-01-20', amount: '52094' },
];

describe('payment plans add up to what is owed', () => {
  it('refuses JP¥1 + JP¥1 for a JP¥104,188 balance with both sums, and changes nothing', async () => {
    const s = await setup();
    const before = await s.reminders();
    const res = await s.call({
      paymentPlan: [
        { dueDate: '2026-12-20', amount: '1' },
        { dueDate: '2027-01-20', amount: '1' },
      ],
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error).toMatchObject({
      code: 'validation_failed',
      message: "payment plan refused: the instalments add up to JP¥2, but the invoice's balance is JP¥104,188",
      issues: [{ path: 'paymentPlan', message: expect.stringContaining('JP¥104,188') }],
    });
    expect(body.error.requestId).toEqual(expect.any(String));
    expect(await s.state()).toBeUndefined();
    expect(await s.reminders()).toEqual(before);
    expect(await database.db.select().from(auditLog).where(eq(auditLog.action, 'invoice.collection'))).toHaveLength(0);
  });

  it('keeps an exact plan and chases its first instalment; a bad form later loses nothing', async () => {
    const s = await setup();
    const ok = await s.call({ paymentPlan: halves });
    expect(ok.status).toBe(200);
    expect((await s.state())?.paymentPlan).toEqual(halves);
    expect((await s.reminders()).every((k) => k.startsWith('plan1:'))).toBe(true);
    // The dashboard's form: a yen amount with decimals, and a sum that does not match.
    const res = await s.form('2026-12-20 52094.50\n2027-01-20 1');
    const location = decodeURIComponent(res.headers.get('location') ?? '');
    expect(res.status).toBe(303);
    expect(location).toContain('error=payment plan refused: instalment 1: 52094.50 cannot be paid in JPY');
    expect(location).toContain("the instalments add up to 52095.5 JPY, but the invoice's balance is JP¥104,188");
    expect((await s.state())?.paymentPlan).toEqual(halves);
    const typed = await s.form('2026-12-20 ¥52,094');
    expect(decodeURIComponent(typed.headers.get('location') ?? '')).toContain(
      'error=plan line 1: ¥52,094 is not an amount like 250.00',
    );
    // Clearing a plan needs no sum.
    expect((await s.call({ paymentPlan: null })).status).toBe(200);
    expect((await s.state())?.paymentPlan).toBeNull();
  });

  it('refuses a plan for an invoice that is paid', async () => {
    const s = await setup();
    const paid = await makeInvoice(database.db, s.c, { status: 'paid', amountDue: '0', amountPaid: '115.0000' });
    const res = await s.call({ paymentPlan: [{ dueDate: '2026-12-20', amount: '115' }] }, paid.id);
    expect(res.status).toBe(400);
    expect((await res.json()).error.message).toBe('payment plan refused: the invoice is paid, not open');
  });

  it('the ledger’s activity says what was agreed: disputes, promises, plans and pauses', async () => {
    const s = await setup();
    await s.call({ dispute: { reason: 'goods returned' } });
    await s.call({ dispute: null, promiseToPayUntil: '2026-12-20' });
    await s.call({ paymentPlan: halves });
    const pause = await s.app.request(`/api/v1/contacts/${s.c.id}/collection`, {
      method: 'PATCH',
      headers: { cookie: s.user.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ pausedUntil: '2026-12-31T11:00:00Z' }),
    });
    expect(pause.status).toBe(200);
    const page = await (await s.app.request(`/ledgers/${s.ledger.id}`, { headers: { cookie: s.user.cookie } })).text();
    const feed = page.slice(page.indexOf('id="feed"'));
    for (const line of [
      `Invoice ${s.inv.number} disputed: goods returned`,
      `Dispute on Invoice ${s.inv.number} resolved; reminders resume; Promise to pay Invoice ${s.inv.number} by 2026-12-20`,
      `Payment plan of 2 instalments agreed for Invoice ${s.inv.number}`,
      'Reminders to Tanaka Shoji paused until 2026-12-31',
    ])
      expect(feed).toContain(line);
    // Another ledger of the firm shows none of it.
    const other = await makeLedger(database.db, s.firm.id, { externalId: 'other', name: 'Other Ltd' });
    const otherPage = await (
      await s.app.request(`/ledgers/${other.id}`, { headers: { cookie: s.user.cookie } })
    ).text();
    expect(otherPage).not.toContain('goods returned');
  });
});
