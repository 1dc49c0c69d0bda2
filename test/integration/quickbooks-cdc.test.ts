import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoice } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';

/**
 * QuickBooks Change Data Capture answers at most 1,000 changes of an entity, in no promised order,
 * and takes no upper bound (issue 28, "QuickBooks CDC"). A busy day (a payment run marking 1,500
 * invoices paid) must reach the mirror whole, or reminders go out for paid invoices.
 */
const server = useMsw();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function busyRealm(realmId: string) {
  const q = await quickBooksSetup(database, server, realmId);
  expect((await q.connect()).status).toBe(302);
  q.fake.seedInvoices(realmId, 1_500);
  q.fake.now = () => new Date('2026-11-19T12:00:00Z');
  await q.sync();
  const realm = q.fake.realms.get(realmId)!;
  const paidCount = async () => {
    const l = await q.ledgerRow();
    const [row] = await database.db
      .select({ n: count() })
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.status, 'paid')));
    return row!.n;
  };
  return { ...q, realm, paidCount };
}

describe('QuickBooks CDC beyond 1,000 changes', () => {
  it('a payment run of 1,500 invoices reaches the mirror whole', async () => {
    const q = await busyRealm('9130350000000101');
    expect(await q.paidCount()).toBe(0);
    q.realm.Invoice.forEach((inv, i) => {
      Object.assign(inv, {
        Balance: 0,
        MetaData: { LastUpdatedTime: new Date(Date.parse('2026-11-20T08:00:00Z') + i * 1_000).toISOString() },
      });
    });
    q.fake.now = () => new Date('2026-11-20T10:00:00Z');
    await q.sync();
    expect(await q.paidCount()).toBe(1_500);
  });

  it('1,200 changes within one second: the sync ends, every change is mirrored', async () => {
    const q = await busyRealm('9130350000000102');
    for (const inv of q.realm.Invoice.slice(0, 1_200))
      Object.assign(inv, { Balance: 0, MetaData: { LastUpdatedTime: '2026-11-20T08:00:00Z' } });
    q.fake.now = () => new Date('2026-11-20T10:00:00Z');
    await q.sync();
    expect(await q.paidCount()).toBe(1_200);
    // The next run starts from the server time of this one: nothing is read again.
    q.fake.cdcCalls.length = 0;
    await q.sync();
    expect(q.fake.cdcCalls.every((c) => Date.parse(c) >= Date.parse('2026-11-20T10:00:00Z') - 5 * 60_000)).toBe(true);
  });
});

describe('the payment date of a QuickBooks invoice', () => {
  it('stays when the paid invoice is edited later (a memo, a history note)', async () => {
    const q = await busyRealm('9130350000000103');
    const inv = q.realm.Invoice[0]!;
    Object.assign(inv, {
      Balance: 0,
      LinkedTxn: [{ TxnId: '900', TxnType: 'Payment' }],
      MetaData: { LastUpdatedTime: '2026-11-20T08:00:00Z' },
    });
    q.fake.now = () => new Date('2026-11-20T09:00:00Z');
    await q.sync();
    const paidAt = async () => {
      const l = await q.ledgerRow();
      const [row] = await database.db
        .select({ paidAt: invoice.paidAt })
        .from(invoice)
        .where(and(eq(invoice.ledgerId, l.id), eq(invoice.externalId, String(inv.Id))));
      return row!.paidAt?.toISOString();
    };
    expect(await paidAt()).toBe('2026-11-20T08:00:00.000Z');
    Object.assign(inv, { PrivateNote: 'chased by phone', MetaData: { LastUpdatedTime: '2026-11-27T08:00:00Z' } });
    q.fake.now = () => new Date('2026-11-27T09:00:00Z');
    await q.sync();
    expect(await paidAt()).toBe('2026-11-20T08:00:00.000Z');
  });
});
