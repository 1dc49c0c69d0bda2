import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invoice, message, reminder } from '../../src/db/schema/index.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { deliver, webhookEnv, xeroBatch } from '../support/webhooks/deliver.ts';
import { inboxDepsFor } from '../support/webhooks/inbox.ts';
import { connectXero } from '../support/xero/connected.ts';
import { msDate } from '../support/xero/fixtures.ts';
import { useXeroFake } from '../support/xero/setup.ts';

/**
 * A reminder is only ever about money the ledger says a customer owes now. Regression tests for
 * the ways the ledger's reality used to be missed: the business's own bills arriving through
 * Xero's invoice webhooks (issue 27, class 2), and a pre-send fetch that finds the invoice gone
 * (class 4).
 */
const xero = useXeroFake();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const { XERO_CLIENT_ID: _id, XERO_CLIENT_SECRET: _secret, ...webhookOnly } = webhookEnv;

async function xeroLedger() {
  const fake = xero.reset();
  const c = await connectXero(database, fake, webhookOnly);
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
