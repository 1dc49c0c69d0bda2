import { eq, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccountingConnector, ConnectorError, RESOURCES } from '../../connectors/types.ts';
import { queryRows } from '../../src/db/client.ts';
import { enqueueTask, startBoss, workQueuedTasks } from '../../src/jobs/boss.ts';
import { ensureDemoLedger } from '../../src/services/demo.ts';
import { taskDepsOf } from '../../src/tasks/deps.ts';
import { syncCursor } from '../../src/db/schema/index.ts';
import { waitUntil } from '../support/wait.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { QUEUED_TASKS } from '../../src/tasks/queued.ts';
import { CRONS } from '../../src/tasks/scheduled.ts';
import { runJob, runScheduled, settleFailure } from '../../src/worker/background.ts';
import type { JobMessage } from '../../src/worker/deps.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

/** Runs one queued message as the Workers consumer does: the run, then the catalogue's decision. */
async function consume(d: Awaited<ReturnType<typeof testDeps>>, job: JobMessage, attempts: number) {
  try {
    await runJob(d, job);
    return 'acked';
  } catch (err) {
    return settleFailure(d, job, err, attempts);
  }
}

describe('one failure policy per task, in both runtimes', () => {
  it('Node: the queues carry the catalogue’s retry policy, also when an older release made them', async () => {
    const first = await startBoss(database, silentLogger);
    // As an earlier release left it: other retry settings on an existing queue.
    await first.updateQueue(QUEUED_TASKS.sync.queue, { retryLimit: 1, retryDelay: 60, retryBackoff: false });
    await first.stop({ graceful: false, close: false });
    const boss = await startBoss(database, silentLogger);
    const names = Object.values(QUEUED_TASKS).map((t) => t.queue);
    const rows = await queryRows<{ name: string; retry_limit: number; retry_delay: number; retry_backoff: boolean }>(
      database.db,
      sql`select name, retry_limit, retry_delay, retry_backoff from pgboss.queue
          where name in ${sql.raw(`('${names.join("','")}')`)} order by name`,
    );
    expect(rows).toEqual(
      Object.values(QUEUED_TASKS)
        .map((t) => ({
          name: t.queue,
          retry_limit: t.retry.limit,
          retry_delay: t.retry.delaySeconds,
          retry_backoff: t.retry.backoff,
        }))
        .sort((a, b) => a.name.localeCompare(b.name)),
    );
    await boss.stop({ graceful: false, close: false });
  });

  it('Node: a sync orphaned by a process that died mid-run is retried within a minute, and the ledger completes', async () => {
    const d = await testDeps(database);
    const demo = await ensureDemoLedger(database.db, d.clock, 7);
    const boss = await startBoss(database, silentLogger);
    await enqueueTask(boss, 'sync', { ledgerId: demo.ledgerId });
    // The process that took the job died: claimed, never finished, no more heartbeats.
    const [orphan] = await boss.fetch(QUEUED_TASKS.sync.queue);
    expect(orphan?.data).toEqual({ ledgerId: demo.ledgerId });
    const started = Date.now();
    await workQueuedTasks(boss, taskDepsOf(d));
    const complete = async () => {
      const cursors = await database.db.select().from(syncCursor).where(eq(syncCursor.ledgerId, demo.ledgerId));
      return cursors.length === RESOURCES.length && cursors.every((c) => c.backfillStatus === 'done');
    };
    await waitUntil(complete, { what: 'the orphaned sync to be retried and finish', timeoutMs: 90_000 });
    expect(Date.now() - started).toBeLessThan(60_000);
    await boss.stop({ graceful: false, close: false });
  }, 120_000);

  it('Workers: a sync the provider fails is retried with the policy’s backoff, then given up; one needing its owner is given up at once', async () => {
    const d = await testDeps(database);
    const firm = await makeFirm(database.db);
    const down = await makeLedger(database.db, firm.id, { provider: 'xero', externalId: 'tenant-down' });
    const failing = {
      provider: 'xero',
      page: async () => {
        throw new ConnectorError('provider_unavailable', 'Xero answered 503', { provider: 'xero', status: 503 });
      },
    } as unknown as AccountingConnector;
    const workers = { ...d, integrations: { ...d.integrations, resolve: async () => failing } };
    const job: JobMessage = { kind: 'sync', ledgerId: down.id };
    expect(await consume(workers, job, 1)).toEqual({ retry: true, delaySeconds: 5 });
    expect(await consume(workers, job, 3)).toEqual({ retry: true, delaySeconds: 20 });
    expect(await consume(workers, job, 6)).toEqual({ retry: false, reason: 'retries spent' });

    const lapsed = await makeLedger(database.db, firm.id, { status: 'needs_reconnect', externalId: 'tenant-lapsed' });
    expect(await consume(d, { kind: 'sync', ledgerId: lapsed.id }, 1)).toEqual({ retry: false, reason: 'final' });
    expect(d.logger.lines.join('\n')).toMatch(/background job failed.*"givenUp":"final"/);
  });

  it('Workers: rescoring is queued and run like any queued task', async () => {
    const d = await testDeps(database);
    const firm = await makeFirm(database.db);
    const l = await makeLedger(database.db, firm.id);
    expect(await consume(d, { kind: 'rescore', ledgerId: l.id }, 1)).toBe('acked');
    expect(d.logger.lines.join('\n')).toContain('ledger rescored');
    // The nightly trigger queues every active ledger's rescoring instead of running it inline.
    await runScheduled(d, CRONS.nightly);
    expect(d.jobs.rescored).toEqual([l.id]);
  });

  it('Workers: a task that fails does not stop the others of its Cron Trigger', async () => {
    const d = await testDeps(database);
    const firm = await makeFirm(database.db);
    await makeLedger(database.db, firm.id);
    const broken = {
      ...d,
      jobs: {
        ...d.jobs,
        enqueueSync: async () => {
          throw new Error('queue unavailable');
        },
      },
    };
    const out = await runScheduled(broken, CRONS.quarter);
    expect(out.failedTasks).toBe(1);
    // Reconciliation failed; the tasks after it in the same trigger ran.
    expect(out).toMatchObject({ casesProposed: 0, expiryWarnings: 0, secretsRewrapped: 0 });
    expect(d.logger.lines.join('\n')).toMatch(/scheduled task failed.*"task":"reconcile"/);
  });
});
