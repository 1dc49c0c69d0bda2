import { setupServer } from 'msw/node';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { fixedClock } from '../src/lib/clock.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { createTokenCipher } from '../src/lib/token-cipher.ts';
import { loadConfig } from '../src/config.ts';
import { createIntegrations } from '../src/services/integrations.ts';
import { syncLedger } from '../src/services/sync.ts';
import { connection, firm, ledger } from '../src/db/schema/index.ts';
import { XeroFake } from '../test/support/xero/fake.ts';
import { report } from './lib.ts';

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

  const database = await openDatabase({ url: process.env.DATABASE_URL, pgliteDir: ':memory:' });
  await runMigrations(database);
  const config = loadConfig({ XERO_CLIENT_ID: fake.clientId, XERO_CLIENT_SECRET: fake.clientSecret, DEMO_LEDGER: 'false', LOG_LEVEL: 'silent' });
  const cipher = await createTokenCipher([{ id: 'bench', key: new Uint8Array(32).fill(1) }]);
  let virtual = Date.now();
  const start = virtual;
  const limiterClock = { now: () => virtual, sleep: async (ms: number) => void (virtual += ms) };
  const clock = fixedClock('2026-11-20T10:00:00Z');
  const integrations = createIntegrations({ config, db: database.db, cipher, clock, logger: silentLogger, limiterClock });

  const [f] = await database.db.insert(firm).values({ name: 'Bench' }).returning();
  const [conn] = await database.db.insert(connection).values({ firmId: f!.id, provider: 'xero' }).returning();
  // A live grant as the consent flow would have stored it.
  const token = fake.grant('bench');
  await integrations.tokens.store(database.db, conn!.id, {
    accessToken: token.access,
    refreshToken: token.refresh,
    accessExpiresAt: new Date('2030-01-01T00:00:00Z'),
    scopes: [],
  });
  const [l] = await database.db
    .insert(ledger)
    .values({ firmId: f!.id, connectionId: conn!.id, provider: 'xero', externalId: tenant.tenantId, name: 'Bench', baseCurrency: 'NZD', timezone: 'Pacific/Auckland' })
    .returning();

  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const connector = await integrations.resolve(l!);
  const result = await syncLedger(
    { ctx: { db: database.db, firmId: f!.id, actor: { type: 'system', name: 'bench' }, logger: silentLogger, clock }, input: { ledgerId: l!.id } },
    connector,
  );
  const wallMs = performance.now() - t0;
  const calls = fake.apiCalls;
  const limitedMs = virtual - start;
  server.close();
  await database.close();
  return report('xero-backfill', [
    {
      database: database.kind,
      invoices: INVOICES,
      contacts: CONTACTS,
      apiCalls: calls,
      invoicePages: result.invoices.pages,
      wallSeconds: Number((wallMs / 1000).toFixed(1)),
      invoicesPerSecondWall: Math.round(INVOICES / (wallMs / 1000)),
      rateLimitWaitMinutes: Number((limitedMs / 60_000).toFixed(2)),
      estimatedMinutes: Number(((wallMs + limitedMs) / 60_000).toFixed(2)),
      boundMinutes: Number((calls / 60).toFixed(2)),
      peakRssDeltaMB: Math.round((process.memoryUsage().rss - rss0) / 1e6),
    },
  ]);
}

if (import.meta.url === `file://${process.argv[1]}`) await xeroBackfill();
