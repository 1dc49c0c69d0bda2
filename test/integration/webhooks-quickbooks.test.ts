import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contact, invoice, payment } from '../../src/db/schema/index.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { deliver, qboCloudEvents, qboLegacy, webhookEnv } from '../support/webhooks/deliver.ts';
import { inboxDepsFor } from '../support/webhooks/inbox.ts';

const server = useMsw();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const customer = (Id: string, name: string, at: string) => ({
  Id,
  DisplayName: name,
  PrimaryEmailAddr: { Address: `ap@${Id}.example.com` },
  MetaData: { LastUpdatedTime: at },
});

async function connectedRealm(realmId: string) {
  const s = await quickBooksSetup(database, server, realmId, {
    QUICKBOOKS_WEBHOOK_VERIFIER: webhookEnv.QUICKBOOKS_WEBHOOK_VERIFIER,
  });
  await s.connect();
  const realm = s.fake.realms.get(realmId)!;
  s.fake.seedInvoices(realmId, 3);
  realm.Customer.push(
    customer('27', 'Old Duplicate Co', '2026-10-01T00:00:00Z'),
    customer('123', 'Survivor Co', '2026-10-01T00:00:00Z'),
  );
  await s.sync();
  const l = await s.ledgerRow();
  const inv = (externalId: string) =>
    database.db
      .select()
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.externalId, externalId)))
      .then((r) => r[0]);
  const con = (externalId: string) =>
    database.db
      .select()
      .from(contact)
      .where(and(eq(contact.ledgerId, l.id), eq(contact.externalId, externalId)))
      .then((r) => r[0]);
  return {
    ...s,
    realm,
    ledger: l,
    inv,
    con,
    key: { provider: 'quickbooks' as const, accountRef: realmId },
    ...inboxDepsFor(s.deps),
  };
}

describe('webhook processing (QuickBooks)', () => {
  it('a payment event mirrors the payment and refreshes the invoice it pays', async () => {
    const q = await connectedRealm('9130350000000101');
    expect((await q.inv('1'))!.status).toBe('open');
    Object.assign(q.realm.Invoice[0]!, { Balance: 0, MetaData: { LastUpdatedTime: '2026-11-20T09:00:00Z' } });
    q.realm.Payment.push({
      Id: '500',
      TxnDate: '2026-11-20',
      TotalAmt: 150,
      CustomerRef: { value: '1' },
      Line: [{ Amount: 150, LinkedTxn: [{ TxnId: '1', TxnType: 'Invoice' }] }],
      MetaData: { LastUpdatedTime: '2026-11-20T09:00:00Z' },
    });
    const body = qboCloudEvents(q.realmId, [{ entity: 'payment', id: '500', op: 'created' }]);
    expect((await deliver(q.app, 'quickbooks', body, { contentType: 'application/cloudevents+json' })).status).toBe(
      200,
    );
    expect(await processInbox(q.inbox, q.key)).toMatchObject({ processed: 1, failed: 0 });
    const [p] = await database.db
      .select()
      .from(payment)
      .where(and(eq(payment.ledgerId, q.ledger.id), eq(payment.externalId, '500')));
    expect(p).toMatchObject({ amount: '150.0000', allocations: [{ invoiceExternalId: '1', amount: '150.0000' }] });
    const paid = await q.inv('1');
    expect(paid).toMatchObject({ status: 'paid', amountDue: '0.0000' });
    expect(q.changes.flatMap((c) => c.invoiceIds)).toEqual([paid!.id]);
  });

  it('a deleted invoice (legacy format) is marked deleted and owes nothing', async () => {
    const q = await connectedRealm('9130350000000102');
    q.realm.Invoice.splice(1, 1);
    const body = qboLegacy(q.realmId, [
      { name: 'Invoice', id: '2', operation: 'Delete', lastUpdated: '2026-11-20T09:10:00.000Z' },
    ]);
    expect((await deliver(q.app, 'quickbooks', body)).status).toBe(200);
    expect(await processInbox(q.inbox, q.key)).toMatchObject({ processed: 1 });
    expect(await q.inv('2')).toMatchObject({ status: 'deleted', amountDue: '0.0000' });
  });

  it('a bulk change is read with id-list queries of 50, and an invoice deleted meanwhile is marked deleted', async () => {
    const q = await connectedRealm('9130350000000104');
    q.fake.seedInvoices(q.realmId, 58);
    for (const inv of q.realm.Invoice)
      Object.assign(inv, { Balance: 0, MetaData: { LastUpdatedTime: '2026-11-20T10:00:00Z' } });
    const ids = q.realm.Invoice.map((i) => String(i.Id));
    q.realm.Invoice.splice(1, 1); // invoice 2, mirrored by the first sync, deleted since
    const body = qboCloudEvents(
      q.realmId,
      ids.map((id) => ({ entity: 'invoice', id, op: 'updated' })),
    );
    expect((await deliver(q.app, 'quickbooks', body, { contentType: 'application/cloudevents+json' })).status).toBe(
      200,
    );
    const before = q.fake.queries.length;
    expect(await processInbox(q.inbox, q.key)).toMatchObject({ processed: 61, failed: 0 });
    const asked = q.fake.queries.slice(before);
    expect(asked.map((x) => /Id IN \(([^)]*)\)/.exec(x)?.[1]?.split(',').length)).toEqual([50, 11]);
    const rows = await database.db.select().from(invoice).where(eq(invoice.ledgerId, q.ledger.id));
    expect(rows.filter((r) => r.status === 'paid')).toHaveLength(60);
    expect(await q.inv('2')).toMatchObject({ status: 'deleted', amountDue: '0.0000' });
  });

  it('a customer merge marks the merged-away customer deleted and refreshes the survivor', async () => {
    const q = await connectedRealm('9130350000000103');
    q.realm.Customer.splice(0, 1);
    Object.assign(q.realm.Customer[0]!, {
      DisplayName: 'Survivor Co (merged)',
      MetaData: { LastUpdatedTime: '2026-11-20T09:20:00Z' },
    });
    const body = qboCloudEvents(q.realmId, [
      { entity: 'customer', id: '123', op: 'merged', data: { deletedid: '27' } },
    ]);
    expect((await deliver(q.app, 'quickbooks', body, { contentType: 'application/cloudevents+json' })).status).toBe(
      200,
    );
    expect(await processInbox(q.inbox, q.key)).toMatchObject({ processed: 1 });
    expect(await q.con('27')).toMatchObject({ status: 'deleted' });
    expect(await q.con('123')).toMatchObject({ status: 'active', name: 'Survivor Co (merged)' });
    expect(q.changes[0]!.contactIds.sort()).toEqual([(await q.con('27'))!.id, (await q.con('123'))!.id].sort());
  });
});
