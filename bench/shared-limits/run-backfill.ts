import { bypass } from 'msw';
import { forwardTo } from '../backfill/forward.ts';
import { realSleep } from '../../connectors/shared/backoff.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { connection, firm, ledger } from '../../src/db/schema/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createTokenCipher } from '../../src/lib/token-cipher.ts';
import { createIntegrations } from '../../src/services/integrations.ts';
import { syncLedger } from '../../src/services/sync.ts';

/**
 * One service process backfilling a ledger of the Xero organisation the fake serves, on real time
 * and the shared Postgres budget (BENCH_SHARED=0: this process's own limiter only). Two of these
 * at once are two firms connected to one organisation. Pages of 100 make a backfill of a few
 * thousand invoices last minutes at Xero's 60 calls a minute.
 * Env: DATABASE_URL (migrated), BENCH_FAKE_PORT, BENCH_SHARED. Prints `RESULT <json>`.
 */
const fakeUrl = `http://127.0.0.1:${process.env.BENCH_FAKE_PORT}`;
const forward = forwardTo(fakeUrl);

type Setup = { clientId: string; clientSecret: string; tenantId: string; grant: { access: string; refresh: string } };
const setup = (await (await fetch(bypass(`${fakeUrl}/__bench/setup`))).json()) as Setup;
const database = await openDatabase({ url: process.env.DATABASE_URL, pgliteDir: ':memory:' });
const config = loadConfig({
  XERO_CLIENT_ID: setup.clientId,
  XERO_CLIENT_SECRET: setup.clientSecret,
  DEMO_LEDGER: 'false',
  LOG_LEVEL: 'silent',
});
const clock = fixedClock('2026-11-20T10:00:00Z');
const integrations = createIntegrations({
  config,
  db: database.db,
  cipher: await createTokenCipher([{ id: 'bench', key: new Uint8Array(32).fill(1) }]),
  clock,
  logger: silentLogger,
  limiterClock: { now: () => Date.now(), sleep: realSleep },
  sharedLimits: process.env.BENCH_SHARED !== '0',
  pageSize: 100,
});
const [f] = await database.db
  .insert(firm)
  .values({ name: `Bench ${process.pid}` })
  .returning();
const [conn] = await database.db.insert(connection).values({ firmId: f!.id, provider: 'xero' }).returning();
await integrations.tokens.store(database.db, conn!.id, {
  accessToken: setup.grant.access,
  refreshToken: setup.grant.refresh,
  accessExpiresAt: new Date('2030-01-01T00:00:00Z'),
  scopes: [],
});
const [row] = await database.db
  .insert(ledger)
  .values({
    firmId: f!.id,
    connectionId: conn!.id,
    name: 'Bench',
    provider: 'xero',
    externalId: setup.tenantId,
    baseCurrency: 'NZD',
    timezone: 'Pacific/Auckland',
  })
  .returning();
const connector = await integrations.resolve(row!, { lane: 'bulk' });
const started = performance.now();
const result = await syncLedger(
  {
    ctx: { db: database.db, firmId: f!.id, actor: { type: 'system', name: 'bench' }, logger: silentLogger, clock },
    input: { ledgerId: row!.id },
  },
  connector,
);
const wallMs = performance.now() - started;
await database.close();
forward.close();
console.log(`RESULT ${JSON.stringify({ invoices: result.invoices.items, contacts: result.contacts.items, wallMs })}`);
process.exit(0);
