import { fromPglite, PgBoss } from 'pg-boss';
import type { Database } from '../db/client.ts';
import type { Logger } from '../lib/logger.ts';

export const QUEUES = {
  /** Backfill or incremental sync of one ledger; one queued and one running per ledger at most. */
  syncLedger: 'sync-ledger',
  /** Webhook inbox of one provider account; one queued and one running per account at most. */
  processInbox: 'process-inbox',
  /** Full risk rescoring (model refit) of one ledger; one queued and one running per ledger at most. */
  rescoreLedger: 'rescore-ledger',
} as const;

/**
 * pg-boss on whichever database we run: Postgres through its own pool, embedded PGlite through
 * pg-boss's PGlite adapter (one in-process connection shared with the app).
 */
export async function startBoss(database: Database, logger: Logger): Promise<PgBoss> {
  const boss =
    database.kind === 'postgres'
      ? new PgBoss({ connectionString: database.url, schema: 'pgboss', max: 4 })
      : new PgBoss({ db: fromPglite(database.pglite), backend: 'pglite', schema: 'pgboss' });
  // pg-boss reports maintenance and worker errors as events; they must never crash the process.
  boss.on('error', (err: Error) => logger.error('job engine error', { error: err.name, message: err.message }));
  await boss.start();
  await boss.createQueue(QUEUES.syncLedger, { policy: 'stately', retryLimit: 5, retryBackoff: true, retryDelay: 5 });
  await boss.createQueue(QUEUES.processInbox, { policy: 'stately', retryLimit: 10, retryBackoff: true, retryDelay: 2 });
  await boss.createQueue(QUEUES.rescoreLedger, {
    policy: 'stately',
    retryLimit: 3,
    retryBackoff: true,
    retryDelay: 30,
  });
  return boss;
}
