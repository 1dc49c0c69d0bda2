import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XeroConnector } from '../../connectors/xero/connector.ts';
import { invoice } from '../../src/db/schema/index.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { connectXero } from '../support/xero/connected.ts';
import { useXeroFake } from '../support/xero/setup.ts';
import { syncUntilDone } from '../support/sync-retry.ts';

/** Provider faults during a backfill: the mirror ends complete, with no duplicates and no gaps. */
const xero = useXeroFake();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function setup() {
  const fake = xero.reset();
  const c = await connectXero(database, fake);
  const sync = async () =>
    syncLedger(
      { ctx: c.ctx, input: { ledgerId: c.ledger.id } },
      (await c.deps.integrations.resolve(c.ledger)) as XeroConnector,
    );
  const mirrored = async () =>
    (await database.db.select({ id: invoice.externalId }).from(invoice).where(eq(invoice.ledgerId, c.ledger.id))).map(
      (r) => r.id,
    );
  return { fake, ...c, sync, mirrored };
}

describe('backfill under provider faults', () => {
  it('a truncated page, 500s and a 429 mid-backfill: every invoice once, nothing missing', async () => {
    const s = await setup();
    s.fake.seedInvoices(s.tenant, 2_500);
    // Page 2 arrives cut off mid-JSON once, then the provider errors twice and throttles once.
    s.fake.fail(/^\/Invoices$/, 200, { body: '{"Invoices":[{"InvoiceID":"0b7e9a64-', times: 1 });
    s.fake.fail(/^\/Invoices$/, 500, { times: 2 });
    s.fake.fail(/^\/Invoices$/, 429, { headers: { 'Retry-After': '1' }, times: 1 });
    const runs = await syncUntilDone(s.sync, { code: 'network', providerCode: 'incomplete_body' });
    expect(runs).toBe(2);
    const ids = await s.mirrored();
    expect(ids.length).toBe(2_500);
    expect(new Set(ids).size).toBe(2_500);
    const expected = [
      ...s.fake.tenants.get(s.tenant.tenantId)!.Invoices.map((i: Record<string, unknown>) => String(i.InvoiceID)),
    ].sort();
    expect([...ids].sort()).toEqual(expected);
    expect(
      (await database.db.select({ n: count() }).from(invoice).where(eq(invoice.ledgerId, s.ledger.id)))[0]!.n,
    ).toBe(2_500);
  });
});
