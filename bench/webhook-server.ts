import type { AccountingConnector } from '../connectors/types.ts';
import { loadConfig } from '../src/config.ts';
import { firm, ledger } from '../src/db/schema/index.ts';
import { startServer } from '../src/server.ts';

/**
 * The service as deployed (migrations, job engine and workers, HTTP) plus a bare route that
 * answers 200 with nothing behind it: the reference the webhook endpoints are measured against.
 * Run by bench/webhook-ack.ts in its own process, so the load generator does not share its CPU.
 *
 * BENCH_CONNECTED (JSON [{ provider, externalId }]) names accounts connected as active ledgers:
 * their events are processed while the load runs, against a provider that answers in-process at
 * once (the entity is gone), so processing costs the database what it costs in production
 * without a network round trip the benchmark cannot make.
 */
const config = loadConfig(process.env);
const connected = JSON.parse(process.env.BENCH_CONNECTED ?? '[]') as {
  provider: 'xero' | 'quickbooks';
  externalId: string;
}[];

const instantProvider = (provider: 'xero' | 'quickbooks'): AccountingConnector => ({
  provider,
  listLedgers: async () => [],
  page: async () => {
    throw new Error('not used by the benchmark');
  },
  fetchOne: async () => null,
  onlineInvoiceUrl: async () => null,
  addInvoiceNote: async () => {},
});

const running = await startServer(config, {
  extend: (app) => {
    app.post('/bench/bare', (c) => c.body(null, 200));
  },
  resolve: async (row) => instantProvider(row.provider as 'xero' | 'quickbooks'),
});
if (connected.length > 0) {
  const db = running.deps.database.db;
  const [f] = await db.insert(firm).values({ name: 'Bench Books' }).returning();
  await db.insert(ledger).values(
    connected.map((a) => ({
      firmId: f!.id,
      provider: a.provider,
      externalId: a.externalId,
      name: `Bench ${a.provider}`,
      baseCurrency: 'GBP',
      timezone: 'Europe/London',
      country: 'GB',
    })),
  );
}
console.log(`READY ${running.port}`);
process.on('SIGTERM', () => void running.stop().then(() => process.exit(0)));
