import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoice } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { syncUntilDone } from '../support/sync-retry.ts';

/** QuickBooks backfill under a cut-off response and 5xx: complete, no duplicates, no gaps. */
const server = useMsw();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('QuickBooks backfill under provider faults', () => {
  it('a truncated query page and 503s mid-backfill: every invoice once, nothing missing', async () => {
    const s = await quickBooksSetup(database, server);
    await s.connect();
    s.fake.seedInvoices(s.realmId, 2100);
    s.fake.fail(/\/query$/, 200, { body: '{"QueryResponse":{"Invoice":[{"Id":"1001","SyncToken":"0",', times: 1 });
    s.fake.fail(/\/query$/, 503, { times: 2 });
    const runs = await syncUntilDone(s.sync, {});
    const l = await s.ledgerRow();
    const ids = (
      await database.db.select({ id: invoice.externalId }).from(invoice).where(eq(invoice.ledgerId, l.id))
    ).map((r) => r.id);
    expect(ids.length).toBe(2100);
    expect(new Set(ids).size).toBe(2100);
    expect(runs).toBeLessThanOrEqual(3);
  });
});
