import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { creditNote, invoice, message, payment } from '../../src/db/schema/index.ts';
import { refreshLedgerEntities } from '../../src/services/inbox-refresh.ts';
import { upsertRecords } from '../../src/services/mirror.ts';
import { availableCredit } from '../../src/services/reminders/credit.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeContact, makeInvoice, makeLedger } from '../support/factories.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { reminderWorld } from '../support/reminders.ts';

/**
 * Issue 27, classes 4, 5 and 7: who a QuickBooks reminder goes to (the invoice's BillEmail, the
 * customer's, a job's parent's), each invoice's own pay link fetched before sending, and a
 * deleted payment that leaves its invoice owing again although the ledger never reports that
 * invoice as changed.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const sentTo = (contactId: string) => database.db.select().from(message).where(eq(message.contactId, contactId));

describe('recipients as the ledger bills', () => {
  it("a QuickBooks job with no address of its own is chased at its parent customer's", async () => {
    const w = await reminderWorld(database.db);
    await makeContact(database.db, w.ledger, { externalId: '58', email: 'ap@parent.example' });
    const job = await makeContact(database.db, w.ledger, { externalId: '59', email: null, parentExternalId: '58' });
    w.stub.put(await makeInvoice(database.db, job, { dueDate: '2026-11-10' }));
    await replanContacts(w.deps, [job.id]);
    expect(await tick(w.deps)).toMatchObject({ sent: 1 });
    expect((await sentTo(job.id))[0]).toMatchObject({ toAddresses: ['ap@parent.example'] });
  });

  it("the invoice's own billing addresses come before the customer's, each once", async () => {
    const w = await reminderWorld(database.db);
    const c = await makeContact(database.db, w.ledger, { email: 'owner@site.example' });
    const a = await makeInvoice(database.db, c, {
      dueDate: '2026-11-10',
      billEmail: 'ap@site.example, ar@site.example',
    });
    const b = await makeInvoice(database.db, c, { dueDate: '2026-11-10', billEmail: 'AP@site.example' });
    w.stub.put(a, { billEmail: a.billEmail! });
    w.stub.put(b, { billEmail: b.billEmail! });
    await replanContacts(w.deps, [c.id]);
    expect(await tick(w.deps)).toMatchObject({ sent: 1 });
    expect((await sentTo(c.id))[0]).toMatchObject({ toAddresses: ['ap@site.example', 'ar@site.example'] });
  });

  it('a job whose parent is archived, and which has no address, is skipped, not sent anywhere', async () => {
    const w = await reminderWorld(database.db);
    await makeContact(database.db, w.ledger, { externalId: '70', email: 'ap@gone.example', status: 'archived' });
    const job = await makeContact(database.db, w.ledger, { externalId: '71', email: null, parentExternalId: '70' });
    w.stub.put(await makeInvoice(database.db, job, { dueDate: '2026-11-10' }));
    await replanContacts(w.deps, [job.id]);
    expect(await tick(w.deps)).toMatchObject({ skipped: 1 });
    expect(await sentTo(job.id)).toEqual([]);
  });
});

describe('pay links', () => {
  it('each invoice in a message carries its own link, fetched once before the first send and kept', async () => {
    const w = await reminderWorld(database.db);
    const c = await makeContact(database.db, w.ledger, { email: 'ap@links.example' });
    const one = await makeInvoice(database.db, c, { dueDate: '2026-11-10', number: 'INV-1' });
    const two = await makeInvoice(database.db, c, { dueDate: '2026-11-11', number: 'INV-2' });
    w.stub.put(one);
    w.stub.put(two);
    await replanContacts(w.deps, [c.id]);
    expect(await tick(w.deps)).toMatchObject({ sent: 1 });
    const [sent] = await sentTo(c.id);
    expect(sent!.text).toContain(`https://pay.example/i/${one.externalId}`);
    expect(sent!.text).toContain(`https://pay.example/i/${two.externalId}`);
    const rows = await database.db.select().from(invoice).where(eq(invoice.contactId, c.id));
    expect(rows.map((r) => r.onlineUrl).sort()).toEqual(
      [`https://pay.example/i/${one.externalId}`, `https://pay.example/i/${two.externalId}`].sort(),
    );
  });
});

describe('a payment deleted in the ledger', () => {
  it('QuickBooks CDC: the invoice it paid owes again, though the ledger never reports the invoice changed', async () => {
    const { fake, connect, sync, ledgerRow, realmId, deps } = await quickBooksSetup(database, server);
    await connect();
    fake.seedInvoices(realmId, 1);
    const realm = fake.realms.get(realmId)!;
    const inv = realm.Invoice[0]!;
    const paidAt = '2026-10-02T00:00:00.000Z';
    Object.assign(inv, { Balance: 0, MetaData: { CreateTime: paidAt, LastUpdatedTime: paidAt } });
    realm.Payment.push({
      Id: '900',
      CustomerRef: inv.CustomerRef,
      TxnDate: '2026-10-02',
      TotalAmt: inv.TotalAmt,
      Line: [{ Amount: inv.TotalAmt, LinkedTxn: [{ TxnId: inv.Id, TxnType: 'Invoice' }] }],
      MetaData: { CreateTime: paidAt, LastUpdatedTime: paidAt },
    });
    fake.now = () => new Date(deps.clock.now().getTime());
    await sync();
    const l = await ledgerRow();
    const mirrored = async () =>
      (
        await database.db
          .select()
          .from(invoice)
          .where(and(eq(invoice.ledgerId, l.id), eq(invoice.externalId, String(inv.Id))))
      )[0]!;
    expect(await mirrored()).toMatchObject({ status: 'paid' });
    // Deleted (the cheque bounced): CDC lists the payment as deleted; the invoice's own
    // LastUpdatedTime does not move, so CDC does not list the invoice.
    const deletedAt = new Date(deps.clock.now().getTime() + 60_000).toISOString();
    realm.Payment.length = 0;
    realm.deleted.push({ _entity: 'Payment', Id: '900', status: 'Deleted', MetaData: { LastUpdatedTime: deletedAt } });
    inv.Balance = inv.TotalAmt;
    fake.now = () => new Date(Date.parse(deletedAt) + 60_000);
    await sync();
    expect(await mirrored()).toMatchObject({ status: 'open', amountDue: '150.0000' });
    const [p] = await database.db.select().from(payment).where(eq(payment.ledgerId, l.id));
    expect(p).toMatchObject({ status: 'deleted' });
  });
});

describe('a merge hands over what the merged-away customer held', () => {
  async function merged(provider: 'xero' | 'quickbooks') {
    const w = await reminderWorld(database.db);
    const l =
      provider === 'xero' ? w.ledger : await makeLedger(database.db, w.firm.id, { provider, externalId: '4620816365' });
    const away = await makeContact(database.db, l, { externalId: 'dup-1' });
    const survivor = await makeContact(database.db, l, { externalId: 'keep-1' });
    const inv = await makeInvoice(database.db, away);
    await database.db.insert(creditNote).values({
      firmId: l.firmId,
      ledgerId: l.id,
      externalId: 'cn-merged',
      providerUpdatedAt: new Date('2026-11-01T00:00:00Z'),
      contactExternalId: away.externalId,
      status: 'authorised',
      date: '2026-11-01',
      currency: 'NZD',
      total: '50.00',
      remaining: '50.00',
    });
    return { w, l, away, survivor, inv };
  }
  const owner = async (id: string) => (await database.db.select().from(invoice).where(eq(invoice.id, id)))[0]!;

  it('Xero: a contact read with MergedToContactID gives its invoices and credit to the survivor', async () => {
    const { l, away, survivor, inv } = await merged('xero');
    await upsertRecords(database.db, { firmId: l.firmId, ledgerId: l.id }, 'contacts', [
      {
        externalId: away.externalId,
        name: away.name,
        people: [],
        addresses: [],
        status: 'archived',
        mergedIntoExternalId: survivor.externalId,
        updatedAt: new Date('2026-11-20T00:00:00Z'),
      },
    ]);
    expect(await owner(inv.id)).toMatchObject({ contactId: survivor.id, contactExternalId: survivor.externalId });
    expect((await availableCredit(database.db, l, survivor.externalId)).get('NZD')).toBe(500_000n);
    expect((await availableCredit(database.db, l, away.externalId)).size).toBe(0);
  });

  it('QuickBooks: a Merge event (deletedId) does the same, though the ledger reports neither changed', async () => {
    const { w, l, away, survivor, inv } = await merged('quickbooks');
    const changes: string[][] = [];
    const deps = { ...w.deps, onChange: async (c: { invoiceIds: string[] }) => void changes.push(c.invoiceIds) };
    await refreshLedgerEntities(deps, l, [], [{ from: away.externalId, into: survivor.externalId }]);
    expect(await owner(inv.id)).toMatchObject({ contactId: survivor.id });
    expect((await availableCredit(database.db, l, survivor.externalId)).get('NZD')).toBe(500_000n);
    // The moved invoice is reported changed, so both customers are replanned.
    expect(changes.flat()).toContain(inv.id);
  });
});
