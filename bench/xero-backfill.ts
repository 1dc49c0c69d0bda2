import { setupServer } from 'msw/node';
import { XeroFake } from '../test/support/xero/fake.ts';
import { report } from './lib.ts';
import { backfillBench } from './setup.ts';

/**
 * A 100,000-invoice Xero organisation backfilled through the real connector, client and rate
 * limiter against an in-process fake of Xero's API (msw). The limiter runs on virtual time, so the
 * run reports both the work we do (wall time) and the time Xero's 60 calls/minute would impose.
 */
const INVOICES = Number(process.env.BENCH_INVOICES ?? 100_000);
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 10_000);

export async function xeroBackfill() {
  const fake = new XeroFake();
  const server = setupServer(...fake.handlers());
  server.listen({ onUnhandledRequest: 'error' });
  fake.addUser('bench', 'bench@example.com');
  const tenant = fake.addTenant('bench', 'Bench Ltd');
  fake.seedInvoices(tenant, INVOICES, { stepMs: 1000 });
  for (const inv of tenant.Invoices) delete (inv as Record<string, unknown>).LineItems;
  const contactTpl = { ContactID: '', Name: '', EmailAddress: 'ap@example.com', ContactStatus: 'ACTIVE', IsCustomer: true };
  for (let i = 0; i < CONTACTS; i++) {
    tenant.Contacts.push({ ...contactTpl, ContactID: `c-${i}`, Name: `Customer ${i}`, UpdatedDateUTC: `/Date(${Date.UTC(2026, 0, 1) + i * 1000}+0000)/` });
  }

  const bench = await backfillBench({ XERO_CLIENT_ID: fake.clientId, XERO_CLIENT_SECRET: fake.clientSecret });
  const grant = fake.grant('bench');
  const l = await bench.connect(
    { accessToken: grant.access, refreshToken: grant.refresh, accessExpiresAt: new Date('2030-01-01T00:00:00Z'), scopes: [] },
    { provider: 'xero', externalId: tenant.tenantId, baseCurrency: 'NZD', timezone: 'Pacific/Auckland' },
  );
  const rss0 = process.memoryUsage().rss;
  const { result, wallMs, limitedMs } = await bench.backfill(l);
  const rssDelta = process.memoryUsage().rss - rss0;
  server.close();
  await bench.close();
  return report('xero-backfill', [
    {
      database: bench.database.kind,
      invoices: INVOICES,
      contacts: CONTACTS,
      apiCalls: fake.apiCalls,
      invoicePages: result.invoices.pages,
      wallSeconds: Number((wallMs / 1000).toFixed(1)),
      invoicesPerSecondWall: Math.round(INVOICES / (wallMs / 1000)),
      rateLimitWaitMinutes: Number((limitedMs / 60_000).toFixed(2)),
      estimatedMinutes: Number(((wallMs + limitedMs) / 60_000).toFixed(2)),
      boundMinutes: Number((fake.apiCalls / 60).toFixed(2)),
      peakRssDeltaMB: Math.round(rssDelta / 1e6),
    },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await xeroBackfill();
