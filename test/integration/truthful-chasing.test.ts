import { and, eq, inArray } from 'drizzle-orm';
import { DemoConnector } from '../../connectors/demo/connector.ts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { contact, creditNote, invoice, ledger, message, payment, reminder } from '../../src/db/schema/index.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { changedContacts } from '../../src/services/mirror-changes.ts';
import { approveReminders } from '../../src/services/reminders/manage.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createApp } from '../../src/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { signedIn } from '../support/session.ts';
import { makeContact, makeFirm, makeInvoice, makeLedger, systemCtx } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { deliver, webhookOnlyEnv, xeroBatch } from '../support/webhooks/deliver.ts';
import { inboxDepsFor } from '../support/webhooks/inbox.ts';
import { connectXero } from '../support/xero/connected.ts';
import { msDate, templates } from '../support/xero/fixtures.ts';
import { useXeroFake } from '../support/xero/setup.ts';

/**
 * A reminder is only ever about money the ledger says a customer owes now. Regression tests for
 * the ways the ledger's reality used to be missed (issue 27): an invoice moved to another
 * customer (class 1), the business's own bills arriving through Xero's invoice webhooks (class 2),
 * and a pre-send fetch that finds the invoice gone (class 4).
 */
const xero = useXeroFake();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function xeroLedger() {
  const fake = xero.reset();
  const c = await connectXero(database, fake, webhookOnlyEnv);
  fake.seedInvoices(c.tenant, 2, { start: new Date('2026-11-01T00:00:00Z') });
  await syncLedger({ ctx: c.ctx, input: { ledgerId: c.ledger.id } }, await c.deps.integrations.resolve(c.ledger));
  const mirrored = (externalId: string) =>
    database.db
      .select()
      .from(invoice)
      .where(and(eq(invoice.ledgerId, c.ledger.id), eq(invoice.externalId, externalId)))
      .then((r) => r[0]);
  const key = { provider: 'xero' as const, accountRef: c.tenant.tenantId };
  let n = 0;
  const notify = async (ids: string[]) => {
    // Each notification at its own time: Xero's events carry no id, and equal ones are one event.
    const at = `2026-11-20T10:00:${String(n++).padStart(2, '0')}.000`;
    const batch = xeroBatch(ids.map((resourceId) => ({ tenantId: c.tenant.tenantId, resourceId, at })));
    expect((await deliver(c.app, 'xero', batch)).status).toBe(200);
    return processInbox(inboxDepsFor(c.deps).inbox, key);
  };
  return { ...c, fake, mirrored, notify };
}

describe('only receivables are chased (Xero sends bills as INVOICE events)', () => {
  it('a bill named by a webhook is never mirrored, alone or beside a sales invoice', async () => {
    const c = await xeroLedger();
    c.fake.seedInvoices(c.tenant, 1, { start: new Date('2026-11-20T00:00:00Z') });
    const bill = c.tenant.Invoices.at(-1)!;
    Object.assign(bill, { Type: 'ACCPAY', InvoiceNumber: 'SUPPLIER-77' });
    const sale = c.tenant.Invoices[0]!;
    Object.assign(sale, { AmountDue: 10, UpdatedDateUTC: msDate('2026-11-20T01:00:00Z') });
    // One event alone (one read by id), then with a sales invoice (one id-list read for both).
    expect(await c.notify([String(bill.InvoiceID)])).toMatchObject({ processed: 1, failed: 0 });
    expect(await c.mirrored(String(bill.InvoiceID))).toBeUndefined();
    expect(await c.notify([String(bill.InvoiceID), String(sale.InvoiceID)])).toMatchObject({ processed: 2 });
    expect(await c.mirrored(String(bill.InvoiceID))).toBeUndefined();
    expect(await c.mirrored(String(sale.InvoiceID))).toMatchObject({ status: 'open', amountDue: '10.0000' });
  });

  it('a bill mirrored as an invoice before is removed from the mirror when the ledger is next read', async () => {
    const c = await xeroLedger();
    const wrong = c.tenant.Invoices[1]!;
    expect(await c.mirrored(String(wrong.InvoiceID))).toMatchObject({ status: 'open' });
    Object.assign(wrong, { Type: 'ACCPAY', UpdatedDateUTC: msDate('2026-11-20T02:00:00Z') });
    await c.notify([String(wrong.InvoiceID)]);
    expect(await c.mirrored(String(wrong.InvoiceID))).toMatchObject({ status: 'deleted', amountDue: '0.0000' });
  });

  it('the list walk asks Xero for sales invoices only', async () => {
    const c = await xeroLedger();
    c.fake.seedInvoices(c.tenant, 1, { start: new Date('2026-11-21T00:00:00Z') });
    Object.assign(c.tenant.Invoices.at(-1)!, { Type: 'ACCPAY' });
    await syncLedger({ ctx: c.ctx, input: { ledgerId: c.ledger.id } }, await c.deps.integrations.resolve(c.ledger));
    expect(await c.mirrored(String(c.tenant.Invoices.at(-1)!.InvoiceID))).toBeUndefined();
  });
});

describe('the pre-send fetch', () => {
  it('finds the invoice deleted in the ledger: nothing is sent, the invoice is gone from the mirror', async () => {
    const w = await reminderWorld(database.db);
    const c = await makeContact(database.db, w.ledger);
    const kept = await makeInvoice(database.db, c, { dueDate: '2026-11-20' });
    const deleted = await makeInvoice(database.db, c, { dueDate: '2026-11-20' });
    w.stub.put(kept);
    w.stub.put(deleted);
    await replanContacts(w.deps, [c.id]);
    // Deleted in the ledger; the webhook has not arrived. The provider answers "not found".
    w.stub.invoices.delete(deleted.externalId);
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, sent: 1 });
    const [row] = await database.db.select().from(invoice).where(eq(invoice.id, deleted.id));
    expect(row).toMatchObject({ status: 'deleted', amountDue: '0.0000' });
    const [sent] = await database.db.select().from(message).where(eq(message.contactId, c.id));
    expect(sent!.text).toContain(kept.number!);
    expect(sent!.text).not.toContain(deleted.number!);
  });

  it('finds every invoice of the reminder deleted: the reminder is cancelled, nothing sent', async () => {
    const w = await reminderWorld(database.db);
    const c = await makeContact(database.db, w.ledger);
    const only = await makeInvoice(database.db, c, { dueDate: '2026-11-20' });
    w.stub.put(only);
    await replanContacts(w.deps, [c.id]);
    w.stub.invoices.delete(only.externalId);
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, cancelled: 1 });
    const [rem] = await database.db.select().from(reminder).where(eq(reminder.contactId, c.id));
    expect(rem).toMatchObject({ status: 'cancelled', statusReason: 'no invoice left to chase' });
    expect(rem!.gateResults).toContainEqual({
      gate: `invoice:${only.number}`,
      ok: false,
      detail: 'invoice is deleted',
    });
    expect(await database.db.select().from(message).where(eq(message.contactId, c.id))).toEqual([]);
  });
});

describe('an invoice moved to another customer (a correction, or contacts merged)', () => {
  it('is never chased from the previous customer: the pre-send fetch relinks it and the gate drops it', async () => {
    const w = await reminderWorld(database.db);
    const before = await makeContact(database.db, w.ledger, { name: 'Kauri Builders', email: 'ap@kauri.example' });
    const after = await makeContact(database.db, w.ledger, { name: 'Totara Homes', email: 'ap@totara.example' });
    const moved = await makeInvoice(database.db, before, { dueDate: '2026-11-20' });
    w.stub.put(moved);
    await replanContacts(w.deps, [before.id]);
    // Corrected in the ledger after planning; no webhook yet.
    w.stub.put(moved, { contactExternalId: after.externalId, updatedAt: new Date('2026-11-16T19:00:00Z') });
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, cancelled: 1 });
    expect(await database.db.select().from(message)).toEqual([]);
    const [rem] = await database.db.select().from(reminder).where(eq(reminder.contactId, before.id));
    expect(rem!.gateResults).toContainEqual({
      gate: `invoice:${moved.number}`,
      ok: false,
      detail: 'invoice now belongs to another customer',
    });
    const [row] = await database.db.select().from(invoice).where(eq(invoice.id, moved.id));
    expect(row!.contactId).toBe(after.id);
    // The customer it belongs to now is chased for it, by name.
    await replanContacts(w.deps, [after.id]);
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, sent: 1 });
    const [sent] = await database.db.select().from(message);
    expect(sent!.toAddresses).toEqual(['ap@totara.example']);
    expect(sent!.text).toContain(moved.number!);
  });

  it('replans the previous customer too, so its pending reminder lets the invoice go', async () => {
    const w = await reminderWorld(database.db);
    const before = await makeContact(database.db, w.ledger);
    const after = await makeContact(database.db, w.ledger);
    const moved = await makeInvoice(database.db, before, { dueDate: '2026-11-20' });
    await replanContacts(w.deps, [before.id]);
    await database.db.update(invoice).set({ contactId: after.id }).where(eq(invoice.id, moved.id));
    const change = { firmId: w.ledger.firmId, ledgerId: w.ledger.id, invoiceIds: [moved.id], contactIds: [] };
    expect((await changedContacts(database.db, { ...change, source: 'webhook' })).sort()).toEqual(
      [before.id, after.id].sort(),
    );
  });

  it('a webhook naming a customer the mirror has never seen fetches that customer and links to it', async () => {
    const c = await xeroLedger();
    const inv = c.tenant.Invoices[0]!;
    const previous = await database.db
      .select()
      .from(invoice)
      .where(eq(invoice.externalId, String(inv.InvoiceID)));
    const newcomer = { ...templates().contact, ContactID: '7e1b2c3d-0000-4000-8000-00000000c0de', Name: 'Rimu Ltd' };
    c.tenant.Contacts.push(newcomer);
    Object.assign(inv, {
      Contact: { ContactID: newcomer.ContactID, Name: 'Rimu Ltd' },
      UpdatedDateUTC: msDate('2026-11-20T03:00:00Z'),
    });
    expect(await c.notify([String(inv.InvoiceID)])).toMatchObject({ processed: 1, failed: 0 });
    const [rimu] = await database.db.select().from(contact).where(eq(contact.externalId, newcomer.ContactID));
    expect(rimu).toMatchObject({ name: 'Rimu Ltd', ledgerId: c.ledger.id });
    const [row] = await database.db
      .select()
      .from(invoice)
      .where(eq(invoice.externalId, String(inv.InvoiceID)));
    expect(row!.contactId).toBe(rimu!.id);
    expect(row!.contactId).not.toBe(previous[0]!.contactId);
  });
});

describe('words that match what happened', () => {
  it("the demo's fresh start queues no firm or final message to a debtor never written to before", async () => {
    const f = await makeFirm(database.db);
    const l = await makeLedger(database.db, f.id);
    const clock = fixedClock('2026-11-20T12:00:00Z');
    const demo = new DemoConnector({ seed: 42, anchor: '2026-11-20', clock });
    await syncLedger({ ctx: systemCtx(database.db, f.id, clock), input: { ledgerId: l.id } }, demo);
    const debtors = await database.db.select({ id: contact.id }).from(contact).where(eq(contact.ledgerId, l.id));
    await replanContacts(
      { db: database.db, clock, logger: silentLogger },
      debtors.map((d) => d.id),
    );
    const queued = await database.db
      .select({ templateKey: reminder.templateKey, stepKey: reminder.stepKey })
      .from(reminder)
      .where(eq(reminder.ledgerId, l.id));
    // Plenty is owed, some of it long overdue: steps as late as the final one are due...
    expect(queued.length).toBeGreaterThan(20);
    expect(queued.some((r) => r.stepKey.startsWith('post+35'))).toBe(true);
    // ...and nothing was ever sent, so every one of them opens in a first-contact tone.
    expect(queued.filter((r) => ['firm', 'final'].includes(r.templateKey))).toEqual([]);
    const sent = await database.db
      .select({ n: message.id })
      .from(message)
      .where(
        inArray(
          message.contactId,
          debtors.map((d) => d.id),
        ),
      );
    expect(sent).toEqual([]);
  });
});

describe("money the debtor's own credit covers is never chased", () => {
  async function owing(amountDue = '115.00') {
    const w = await reminderWorld(database.db);
    const c = await makeContact(database.db, w.ledger, { email: 'ap@kowhai.example' });
    const inv = await makeInvoice(database.db, c, { dueDate: '2026-11-10', amountDue, total: amountDue });
    w.stub.put(inv);
    await replanContacts(w.deps, [c.id]);
    let n = 0;
    const credit = (over: Partial<typeof creditNote.$inferInsert>) =>
      database.db.insert(creditNote).values({
        firmId: w.ledger.firmId,
        ledgerId: w.ledger.id,
        externalId: `cn-${++n}`,
        providerUpdatedAt: new Date('2026-11-12T00:00:00Z'),
        contactExternalId: c.externalId,
        status: 'authorised',
        date: '2026-11-12',
        currency: 'NZD',
        total: '115.00',
        remaining: '115.00',
        ...over,
      });
    return { w, c, inv, credit };
  }
  const sentTo = (contactId: string) => database.db.select().from(message).where(eq(message.contactId, contactId));

  it('an unallocated credit note covering the overdue amount holds the reminder for a person, with why', async () => {
    const { w, c, credit } = await owing();
    await credit({ remaining: '115.00' });
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, held: 1 });
    expect(await sentTo(c.id)).toEqual([]);
    const [rem] = await database.db.select().from(reminder).where(eq(reminder.contactId, c.id));
    expect(rem).toMatchObject({
      status: 'needs_review',
      statusReason: 'customer has NZ$115.00 unallocated credit, covering the NZ$115.00 overdue',
    });
    // Shown on the portfolio, with why, to whoever can act on it.
    const user = await signedIn(database.db, w.ledger.firmId);
    const app = createApp(await testDeps(database, { clock: w.clock }));
    const page = await (await app.request('/', { headers: { cookie: user.cookie } })).text();
    expect(page).toContain('Held for a person');
    expect(page).toContain('customer has NZ$115.00 unallocated credit, covering the NZ$115.00 overdue');
    // The cadence moves on, and every later step meets the same check while the credit stands.
    await replanContacts(w.deps, [c.id]);
    w.clock.advance(14 * 86_400_000);
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, held: 1 });
    expect(await sentTo(c.id)).toEqual([]);
  });

  it('overpayments and prepayments count; voided, draft and other currencies do not', async () => {
    const { w, c, credit } = await owing();
    await credit({ status: 'overpayment:authorised', remaining: '60.00' });
    await credit({ status: 'voided', remaining: '115.00' });
    await credit({ status: 'draft', remaining: '115.00' });
    await credit({ currency: 'AUD', remaining: '500.00' });
    await credit({ status: 'prepayment:authorised', remaining: '55.00' });
    expect(await tick(w.deps)).toMatchObject({ held: 1 });
    const [rem] = await database.db.select().from(reminder).where(eq(reminder.contactId, c.id));
    expect(rem!.statusReason).toBe('customer has NZ$115.00 unallocated credit, covering the NZ$115.00 overdue');
  });

  it('a QuickBooks payment left unapplied is credit too', async () => {
    const { w, c } = await owing();
    await database.db.update(ledger).set({ provider: 'quickbooks' }).where(eq(ledger.id, w.ledger.id));
    await database.db.insert(payment).values({
      firmId: w.ledger.firmId,
      ledgerId: w.ledger.id,
      externalId: 'pay-1',
      providerUpdatedAt: new Date('2026-11-12T00:00:00Z'),
      contactExternalId: c.externalId,
      date: '2026-11-12',
      amount: '200.00',
      currency: 'NZD',
      allocations: [{ invoiceExternalId: 'other', amount: '50.00' }],
    });
    expect(await tick(w.deps)).toMatchObject({ held: 1 });
    const [rem] = await database.db.select().from(reminder).where(eq(reminder.contactId, c.id));
    expect(rem!.statusReason).toBe('customer has NZ$150.00 unallocated credit, covering the NZ$115.00 overdue');
  });

  it('a partial credit goes out stated in the message, the overdue amount unchanged', async () => {
    const { w, c, credit } = await owing();
    await credit({ remaining: '40.00' });
    expect(await tick(w.deps)).toMatchObject({ sent: 1 });
    const [sent] = await sentTo(c.id);
    expect(sent!.text).toContain('NZ$115.00');
    expect(sent!.text).toContain('You also have NZ$40.00 in credit with us that has not been applied yet');
  });
});

describe('an approval binds the message approved (safe mode)', () => {
  async function approvedReminder() {
    const w = await reminderWorld(database.db, { safeMode: true });
    const c = await makeContact(database.db, w.ledger, { email: 'ap@matai.example' });
    const inv = await makeInvoice(database.db, c, { dueDate: '2026-11-10', amountDue: '240.00', total: '240.00' });
    w.stub.put(inv);
    await replanContacts(w.deps, [c.id]);
    const [rem] = await database.db.select().from(reminder).where(eq(reminder.contactId, c.id));
    expect(rem!.status).toBe('awaiting_approval');
    const ctx = systemCtx(database.db, w.ledger.firmId, w.clock);
    expect(await approveReminders({ ctx, input: { ids: [rem!.id] } })).toEqual({ approved: 1 });
    const row = async () => (await database.db.select().from(reminder).where(eq(reminder.id, rem!.id)))[0]!;
    return { w, c, inv, rem: rem!, row };
  }

  it('goes out as approved when nothing changed', async () => {
    const { w, c } = await approvedReminder();
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, sent: 1 });
    expect(await database.db.select().from(message).where(eq(message.contactId, c.id))).toHaveLength(1);
  });

  it('goes back for approval when its tone changed after approval (a policy change), saying so', async () => {
    const { w, c, rem, row } = await approvedReminder();
    // Replanned under a harsher policy: same invoice and step, now the final notice.
    await database.db.update(reminder).set({ templateKey: 'final' }).where(eq(reminder.id, rem.id));
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, held: 1 });
    expect(await database.db.select().from(message).where(eq(message.contactId, c.id))).toEqual([]);
    expect(await row()).toMatchObject({
      status: 'awaiting_approval',
      statusReason: expect.stringContaining(`tone ${rem.templateKey} → final`),
    });
    // Approved again as it now stands, it goes.
    await approveReminders({ ctx: systemCtx(database.db, w.ledger.firmId, w.clock), input: { ids: [rem.id] } });
    expect(await tick(w.deps)).toMatchObject({ sent: 1 });
  });

  it('goes back for approval when an amount changed in the ledger since approval', async () => {
    const { w, inv, row } = await approvedReminder();
    w.stub.put(inv, { amountDue: '140.00', amountPaid: '100.00', updatedAt: new Date('2026-11-16T19:00:00Z') });
    expect(await tick(w.deps)).toMatchObject({ held: 1 });
    expect((await row()).statusReason).toMatch(/invoices or amounts .*240\.0000 → .*140\.0000/);
  });

  it('a reminder approved before approvals were recorded goes back once, never out unapproved', async () => {
    const { w, rem, row } = await approvedReminder();
    await database.db.update(reminder).set({ approval: null }).where(eq(reminder.id, rem.id));
    expect(await tick(w.deps)).toMatchObject({ held: 1 });
    expect(await row()).toMatchObject({ status: 'awaiting_approval', statusReason: 'not approved yet' });
  });
});

describe('recipients', () => {
  it('an archived customer is never chased, even with a reminder already planned', async () => {
    const w = await reminderWorld(database.db);
    const c = await makeContact(database.db, w.ledger);
    const inv = await makeInvoice(database.db, c, { dueDate: '2026-11-10' });
    w.stub.put(inv);
    await replanContacts(w.deps, [c.id]);
    // Archived in Xero after planning (the mirror hears of it through the contact webhook).
    await database.db.update(contact).set({ status: 'archived' }).where(eq(contact.id, c.id));
    expect(await tick(w.deps)).toMatchObject({ claimed: 1, cancelled: 1 });
    expect(await database.db.select().from(message).where(eq(message.contactId, c.id))).toEqual([]);
    await replanContacts(w.deps, [c.id]);
    const pending = await database.db
      .select()
      .from(reminder)
      .where(and(eq(reminder.contactId, c.id), eq(reminder.status, 'scheduled')));
    expect(pending).toEqual([]);
  });

  it("copies the customer's contact people marked to receive emails, once each", async () => {
    const w = await reminderWorld(database.db);
    const c = await makeContact(database.db, w.ledger, {
      email: 'ap@rata.example',
      people: [
        { name: 'Ana', email: 'ana@rata.example', includeInEmails: true },
        { name: 'Ben', email: 'ben@rata.example', includeInEmails: false },
        { name: 'AP again', email: 'AP@rata.example', includeInEmails: true },
      ],
    });
    w.stub.put(await makeInvoice(database.db, c, { dueDate: '2026-11-10' }));
    await replanContacts(w.deps, [c.id]);
    expect(await tick(w.deps)).toMatchObject({ sent: 1 });
    const [sent] = await database.db.select().from(message).where(eq(message.contactId, c.id));
    expect(sent).toMatchObject({ toAddresses: ['ap@rata.example'], ccAddresses: ['ana@rata.example'] });
  });
});
