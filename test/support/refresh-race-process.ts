import { eq } from 'drizzle-orm';
import { forwardTo } from '../../bench/backfill/forward.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { ledger } from '../../src/db/schema/index.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createTokenCipher } from '../../src/lib/token-cipher.ts';
import { createIntegrations } from '../../src/services/integrations.ts';

/**
 * One service process of the refresh race (test/integration/refresh-race.test.ts): its own
 * integrations and connection pool on the shared Postgres, Xero's calls forwarded to the fake
 * server. At RACE_START_AT (epoch ms) it makes RACE_CALLS reads at once with the connection's
 * expired access token, then prints `RESULT {"ok":n,"errors":[...]}`.
 */
const env = process.env;
const forward = forwardTo(env.RACE_FAKE_URL!);
const database = await openDatabase({ url: env.DATABASE_URL, pgliteDir: ':memory:', maxConnections: 10 });
const config = loadConfig({
  XERO_CLIENT_ID: env.RACE_CLIENT_ID,
  XERO_CLIENT_SECRET: env.RACE_CLIENT_SECRET,
  DEMO_LEDGER: 'false',
  LOG_LEVEL: 'silent',
});
const integrations = createIntegrations({
  config,
  db: database.db,
  cipher: await createTokenCipher([{ id: 'test', key: new Uint8Array(32).fill(7) }]),
  clock: systemClock,
  logger: silentLogger,
});
const [row] = await database.db.select().from(ledger).where(eq(ledger.id, env.RACE_LEDGER_ID!));
const connector = integrations.port('xero').connector(row!.connectionId!, row!);
console.log('READY');
await new Promise((r) => setTimeout(r, Math.max(0, Number(env.RACE_START_AT) - Date.now())));
const results = await Promise.allSettled(
  Array.from({ length: Number(env.RACE_CALLS) }, () =>
    connector.fetchOne(row!.externalId, 'invoices', env.RACE_INVOICE_ID!),
  ),
);
const ok = results.filter((r) => r.status === 'fulfilled' && r.value?.externalId === env.RACE_INVOICE_ID).length;
const errors = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
console.log(`RESULT ${JSON.stringify({ ok, errors })}`);
await database.close();
forward.close();
process.exit(0);
