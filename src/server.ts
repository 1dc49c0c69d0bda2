import { serve, type ServerType } from '@hono/node-server';
import type { PgBoss } from 'pg-boss';
import { type App, createApp } from './app.ts';
import { type Config, ConfigError } from './config.ts';
import { type Database, openDatabase } from './db/client.ts';
import { runMigrations } from './db/migrate.ts';
import { requestIsolationProblems } from './db/isolation.ts';
import type { AppDeps } from './deps.ts';
import { enqueueTask, startBoss, workQueuedTasks } from './jobs/boss.ts';
import { inboxDispatcher } from './jobs/inbox.ts';
import { startScheduledTasks } from './jobs/schedule.ts';
import { inboxWriter } from '../webhooks/inbox.ts';
import { rewrapSecrets } from './services/key-rotation.ts';
import { guardedFetch } from './services/outbound/guarded-fetch.ts';
import { mirrorHandlers as standardHandlers } from './services/background.ts';
import { mailerFor } from './notify/mailer.ts';
import { taskDepsOf } from './tasks/deps.ts';
import { type Clock, systemClock } from './lib/clock.ts';
import { loadOrCreateLocalKeys } from './lib/local-keys.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { createTokenCipher, type TokenCipher } from './lib/token-cipher.ts';
import type { ConnectorResolver } from './services/connectors.ts';
import { createIntegrations } from './services/integrations.ts';
import type { JobQueue } from './services/jobs.ts';
import { ensureDemoLedger } from './services/demo.ts';
import { fanOut, type MirrorChangeHandler } from './services/mirror-changes.ts';

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
  opts: {
    logger?: Logger;
    clock?: Clock;
    database?: Database;
    extend?: (app: App) => void;
    /** Where background jobs get a ledger's connector; benchmarks answer in-process, as a provider would. */
    resolve?: ConnectorResolver;
  } = {},
): Promise<Running> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const cipher = await createTokenCipher(config.encryptionKeys ?? loadOrCreateLocalKeys(config.dataDir));
  const database = opts.database ?? (await openDatabase({ url: config.databaseUrl, pgliteDir: config.pgliteDir }));
  await runMigrations(database);
  // Every signed-in request runs as the service's role under row-level security: never start
  // where that role would see beyond its firm.
  const isolation = await requestIsolationProblems(database.db);
  if (isolation.length)
    throw new ConfigError('DATABASE_URL', `tenant isolation would not hold: ${isolation.join('; ')}`);
  logger.info('database ready', { kind: database.kind });
  // A key put first in ENCRYPTION_KEYS takes over every stored secret, so the old one can go.
  await rewrapSecrets(database.db, cipher, logger);

  const boss = await startBoss(database, logger);
  const mailer = mailerFor(config.smtp);
  const integrations = createIntegrations({
    config,
    db: database.db,
    cipher,
    clock,
    logger,
    notices: { mailer, mailFrom: config.mailFrom, publicUrl: config.publicUrl },
    sharedLimits: database.kind === 'postgres',
  });
  const dispatcher = inboxDispatcher(boss, logger);
  const jobs: JobQueue = {
    enqueueSync: async (ledgerId) => void (await enqueueTask(boss, 'sync', { ledgerId })),
    enqueueInbox: dispatcher.enqueue,
    enqueueRescore: async (ledgerId) => void (await enqueueTask(boss, 'rescore', { ledgerId })),
  };
  // Subscribers to mirror changes register here. Risk first: replanning picks cadences by risk band.
  const mirrorHandlers: MirrorChangeHandler[] = [standardHandlers({ db: database.db, clock, logger })];
  // What users point deliveries at cannot reach inside this network (see guarded-fetch.ts).
  const receivers = guardedFetch({ allowLoopback: config.allowLoopbackReceivers });
  const deps = { config, database, logger, clock, cipher, integrations, jobs, boss, mailer, fetch: receivers };
  const tasks = taskDepsOf(deps, {
    ...(opts.resolve ? { resolve: opts.resolve } : {}),
    onChange: fanOut(mirrorHandlers, logger),
    // Processing gives way to webhook receipt while deliveries wait for the database.
    receiptSaturated: () => inboxWriter(database).saturated(),
  });
  await workQueuedTasks(boss, tasks);

  if (config.demo.enabled) {
    const demo = await ensureDemoLedger(database.db, clock, config.demo.seed);
    logger.info('demo ledger ready', { ledgerId: demo.ledgerId, created: demo.created });
  }

  // The task catalogue (src/tasks): reminders, notes, deliveries, and the safety nets behind
  // webhooks (reconciliation, the inbox sweep), each on its interval.
  const stopTasks = startScheduledTasks(tasks);

  const app = createApp(deps);
  // Benchmarks mount a bare reference route beside the real ones, on the same server.
  opts.extend?.(app);
  const server: ServerType = await new Promise<ServerType>((resolveServer, rejectServer) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolveServer(s));
    s.once('error', (err: NodeJS.ErrnoException) =>
      rejectServer(
        err.code === 'EADDRINUSE'
          ? new ConfigError('PORT', `port ${config.port} on ${config.host} is in use: stop what holds it or set PORT`)
          : err,
      ),
    );
  }).catch(async (err: unknown) => {
    // Nothing is served: what started for it stops, so the caller is left with the error alone.
    await stopTasks(0);
    await dispatcher.stop();
    await boss.stop({ graceful: false, close: true });
    await database.close();
    throw err;
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info('listening', { url: config.publicUrl, port });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      // Stop taking requests, let in-flight jobs finish (or release them), then close the database.
      const tasksStopped = stopTasks(config.shutdownGraceMs);
      await new Promise<void>((r) => server.close(() => r()));
      // The reminders being sent finish and are recorded before the database goes.
      await tasksStopped;
      await dispatcher.stop();
      await boss.stop({ graceful: true, timeout: config.shutdownGraceMs, close: true });
      await database.close();
      logger.info('stopped');
    })());
  return { deps, port, stop };
}
