import { setupServer } from 'msw/node';
import { loadConfig } from '../src/config.ts';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { connection, firm, ledger } from '../src/db/schema/index.ts';
import { fixedClock } from '../src/lib/clock.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { createTokenCipher } from '../src/lib/token-cipher.ts';
import { createIntegrations } from '../src/services/integrations.ts';
import { syncLedger } from '../src/services/sync.ts';
import { QuickBooksFake } from '../test/support/quickbooks/fake.ts';
import { report } from './lib.ts';

/**
 * A 100,000-invoice QuickBooks company backfilled through intuit-oauth/node-quickbooks wrappers,
 * the rate limiter (500/min, 10 concurrent per realm, on virtual time) and the mirror, against an
 * in-process fake of the QuickBooks API.
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

  const database = await openDatabase({ url: process.env.DATABASE_URL, pgliteDir: ':memory:' });
  await runMigrations(database);
  const config = loadConfig({ QUICKBOOKS_CLIENT_ID: fake.clientId, QUICKBOOKS_CLIENT_SECRET: fake.clientSecret, DEMO_LEDGER: 'false', LOG_LEVEL: 'silent' });
  const cipher = await createTokenCipher([{ id: 'bench', key: new Uint8Array(32).fill(2) }]);
  let virtual = Date.now();
  const start = virtual;
  const limiterClock = { now: () => virtual, sleep: async (ms: number) => void (virtual += ms) };
  const clock = fixedClock('2026-11-20T10:00:00Z');
  const integrations = createIntegrations({ config, db: database.db, cipher, clock, logger: silentLogger, limiterClock });
  const [f] = await database.db.insert(firm).values({ name: 'Bench' }).returning();
  const [conn] = await database.db.insert(connection).values({ firmId: f!.id, provider: 'quickbooks' }).returning();
  const consent = new URL(fake.consent('https://appcenter.intuit.com/connect/oauth2?redirect_uri=https%3A%2F%2Fx%2Fcb&state=s', realmId));
  const { tokens } = await integrations.quickbooks!.oauth.exchange(consent.toString(), clock.now().getTime());
  await integrations.tokens.store(database.db, conn!.id, tokens);
  const [l] = await database.db
    .insert(ledger)
    .values({ firmId: f!.id, connectionId: conn!.id, provider: 'quickbooks', externalId: realmId, name: 'Bench', baseCurrency: 'USD', timezone: 'America/New_York' })
    .returning();

  const t0 = performance.now();
  const result = await syncLedger(
    { ctx: { db: database.db, firmId: f!.id, actor: { type: 'system', name: 'bench' }, logger: silentLogger, clock }, input: { ledgerId: l!.id } },
    await integrations.resolve(l!),
  );
  const wallMs = performance.now() - t0;
  const limitedMs = virtual - start;
  server.close();
  await database.close();
  return report('quickbooks-backfill', [
    {
      database: database.kind,
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
