import { fromPglite, PgBoss } from 'pg-boss';
import type { Database } from '../db/client.ts';
import type { Logger } from '../lib/logger.ts';
import type { TaskDeps } from '../tasks/deps.ts';
import { HEARTBEAT_SECONDS, type QueuedData, QUEUED_TASKS, type QueuedTaskName } from '../tasks/queued.ts';

const NAMES = Object.keys(QUEUED_TASKS) as QueuedTaskName[];

/** A queued task's retry policy as pg-boss options. */
const queueOptions = (name: QueuedTaskName) => {
  const { limit, delaySeconds, backoff } = QUEUED_TASKS[name].retry;
  // A job whose process died stops its heartbeat: it is failed and retried within a minute rather
  // than held 'active' (and its ledger's next sync behind it) until a long expiry.
  return { retryLimit: limit, retryDelay: delaySeconds, retryBackoff: backoff, heartbeatSeconds: HEARTBEAT_SECONDS };
};

/** How often pg-boss looks for jobs whose heartbeat stopped (and for expired ones). */
const SUPERVISE_SECONDS = 10;

/**
 * pg-boss on whichever database we run: Postgres through its own pool, embedded PGlite through
 * pg-boss's PGlite adapter (one in-process connection shared with the app). One queue per queued
 * task of the catalogue, with its retry policy (updated on existing queues too, so a changed
 * policy takes effect on the next start).
 */
export async function startBoss(database: Database, logger: Logger): Promise<PgBoss> {
  const supervision = { superviseIntervalSeconds: SUPERVISE_SECONDS, monitorIntervalSeconds: SUPERVISE_SECONDS };
  const boss =
    database.kind === 'postgres'
      ? new PgBoss({ connectionString: database.url, schema: 'pgboss', max: 4, ...supervision })
      : new PgBoss({ db: fromPglite(database.pglite), backend: 'pglite', schema: 'pgboss', ...supervision });
  // pg-boss reports maintenance and worker errors as events; they must never crash the process.
  boss.on('error', (err: Error) => logger.error('job engine error', { error: err.name, message: err.message }));
  await boss.start();
  for (const name of NAMES) {
    const queue = QUEUED_TASKS[name].queue;
    await boss.createQueue(queue, { policy: 'stately', ...queueOptions(name) });
    await boss.updateQueue(queue, queueOptions(name));
  }
  return boss;
}

/** Queues one task's job, as a singleton per its key. */
export function enqueueTask<N extends QueuedTaskName>(boss: PgBoss, name: N, data: QueuedData[N]) {
  const task = QUEUED_TASKS[name] as { queue: string; singletonKey(d: QueuedData[N]): string };
  return boss.send(task.queue, data, { singletonKey: task.singletonKey(data) });
}

/**
 * Runs every queued task of the catalogue. A failure the catalogue calls final completes the job
 * (logged); any other is thrown back to pg-boss, which retries it by the task's policy.
 */
export async function workQueuedTasks(boss: PgBoss, deps: TaskDeps) {
  for (const name of NAMES) {
    const task = QUEUED_TASKS[name] as {
      queue: string;
      concurrency: number;
      isFinal(err: unknown): boolean;
      run(deps: TaskDeps, data: unknown): Promise<void>;
    };
    await boss.work(task.queue, { localConcurrency: task.concurrency }, async ([job]) => {
      const started = performance.now();
      try {
        await task.run(deps, job!.data);
        deps.logger.debug('background job done', { task: name, ms: Math.round(performance.now() - started) });
      } catch (err) {
        const final = task.isFinal(err);
        deps.logger.warn('background job failed', {
          task: name,
          code: (err as { code?: string }).code,
          error: (err as Error).name,
          final,
        });
        if (!final) throw err;
      }
    });
  }
}
