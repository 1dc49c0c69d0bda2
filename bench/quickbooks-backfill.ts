import { setupServer } from 'msw/node';
import { QuickBooksFake } from '../test/support/quickbooks/fake.ts';
import { report } from './lib.ts';
import { backfillBench } from './setup.ts';

/**
 * A 100,000-invoice QuickBooks company backfilled through the intuit-oauth/node-quickbooks
 * wrappers, the rate limiter (500/min, 10 concurrent per realm, on virtual time) and the mirror,
 * against an in-process fake of the QuickBooks API.
 */
const INVOICES = Number(process.env.BENCH_INVOICES ?? 100_000);

export async function quickbooksBackfill() {
  const fake = new QuickBooksFake();
  const server = setupServer(...fake.handlers());
  server.listen({ onUnhandledRequest: 'error' });
  const realmId = '9130350000000099';
  fake.addRealm(realmId);
  fake.seedInvoices(realmId, INVOICES);
  for (const inv of fake.realms.get(realmId)!.Invoice) delete (inv as Record<string, unknown>).Line;

  const bench = await backfillBench({ QUICKBOOKS_CLIENT_ID: fake.clientId, QUICKBOOKS_CLIENT_SECRET: fake.clientSecret });
  const consent = fake.consent('https://appcenter.intuit.com/connect/oauth2?redirect_uri=https%3A%2F%2Fx%2Fcb&state=s', realmId);
  const { tokens } = await bench.integrations.quickbooks!.oauth.exchange(consent, bench.clock.now().getTime());
  const l = await bench.connect(tokens, { provider: 'quickbooks', externalId: realmId, baseCurrency: 'USD', timezone: 'America/New_York' });
  const { result, wallMs, limitedMs } = await bench.backfill(l);
  server.close();
  await bench.close();
  return report('quickbooks-backfill', [
    {
      database: bench.database.kind,
      invoices: INVOICES,
      apiCalls: fake.apiCalls,
      invoicePages: result.invoices.pages,
      wallSeconds: Number((wallMs / 1000).toFixed(1)),
      invoicesPerSecondWall: Math.round(INVOICES / (wallMs / 1000)),
      rateLimitWaitMinutes: Number((limitedMs / 60_000).toFixed(2)),
      boundMinutes: Number((fake.apiCalls / 500).toFixed(2)),
    },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await quickbooksBackfill();
