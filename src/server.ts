import { serve, type ServerType } from '@hono/node-server';
import { eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { createApp } from './app.ts';
import type { Config } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { ledger } from './db/schema/index.ts';
import type { AppDeps } from './deps.ts';
import { startBoss } from './jobs/boss.ts';
import { enqueueSync, workSyncLedger } from './jobs/sync-ledger.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { loadOrCreateLocalKeys } from './lib/local-keys.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { createTokenCipher, type TokenCipher } from './lib/token-cipher.ts';
import { createIntegrations } from './services/integrations.ts';
import type { JobQueue } from './services/jobs.ts';
import { ensureDemoLedger } from './services/demo.ts';

export type Running = {
  deps: AppDeps & { cipher: TokenCipher; boss: PgBoss };
  port: number;
  stop(): Promise<void>;
};

/**
 * Starts the whole service: database and migrations, job engine and workers, HTTP. Used by
 * node.ts and by tests that need the real process shape.
 */
export async function startServer(
  config: Config,
  opts: { logger?: Logger; clock?: Clock; database?: Database } = {},
): Promise<Running> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const cipher = await createTokenCipher(config.encryptionKeys ?? loadOrCreateLocalKeys(config.dataDir));
  const database = opts.database ?? (await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir }));
  await runMigrations(database);
  logger.info('database ready', { kind: database.kind });

  const boss = await startBoss(database, logger);
  const integrations = createIntegrations({ config, db: database.db, cipher, clock, logger });
  const jobs: JobQueue = { enqueueSync: async (id) => void (await enqueueSync(boss, id)) };
  await workSyncLedger(boss, { db: database.db, clock, logger, resolve: integrations.resolve });

  if (config.demo.enabled) {
    const demo = await ensureDemoLedger(database.db, clock, config.demo.seed);
    await jobs.enqueueSync(demo.ledgerId);
    logger.info('demo ledger ready', { ledgerId: demo.ledgerId, created: demo.created });
  }

  // Reconciliation: every active ledger is re-synced periodically, catching anything missed.
  const reconcile = setInterval(
    () => {
      void database.db
        .select({ id: ledger.id })
        .from(ledger)
        .where(eq(ledger.status, 'active'))
        .then((rows) => Promise.all(rows.map((r) => jobs.enqueueSync(r.id))))
        .catch((err: Error) => logger.error('reconcile scheduling failed', { message: err.message }));
    },
    15 * 60_000,
  );
  reconcile.unref();

  const deps = { config, database, logger, clock, cipher, integrations, jobs, boss };
  const app = createApp(deps);
  const server: ServerType = await new Promise((resolveServer) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: '0.0.0.0' }, () => resolveServer(s));
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info('listening', { url: config.publicUrl, port });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      clearInterval(reconcile);
      // Stop taking requests, let in-flight jobs finish (or release them), then close the database.
      await new Promise<void>((r) => server.close(() => r()));
      await boss.stop({ graceful: true, timeout: config.shutdownGraceMs, close: true });
      await database.close();
      logger.info('stopped');
    })());
  return { deps, port, stop };
}
