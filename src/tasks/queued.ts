import { eq } from 'drizzle-orm';
import { ledger } from '../db/schema/index.ts';
import { syncFailureIsFinal } from '../services/background.ts';
import { drainInbox } from '../services/inbox.ts';
import type { InboxKey } from '../services/jobs.ts';
import { rescoreLedger } from '../services/risk/scoring.ts';
import { syncLedger } from '../services/sync.ts';
import type { TaskDeps } from './deps.ts';
import { inLedgerFirm } from './ledger-scope.ts';

/** How a failed run is retried, by pg-boss on Node and by the Queue consumer on Workers alike. */
type RetryPolicy = {
  /** Retries after the first attempt; then the job is given up (and logged). */
  limit: number;
  delaySeconds: number;
  /** Each retry waits twice as long as the one before. */
  backoff: boolean;
};

/**
 * How long a running job may go without a sign of life before it is taken for orphaned (its
 * process died) and retried: the worker refreshes it every half of this while the job runs.
 */
export const HEARTBEAT_SECONDS = 20;

type QueuedTask<Data> = {
  /** The queue's name (pg-boss) and what the logs call it. */
  queue: string;
  retry: RetryPolicy;
  /** Jobs of this kind one Node process runs at once. */
  concurrency: number;
  /** One queued and one running per key at most (a ledger, a provider account). */
  singletonKey(data: Data): string;
  /** A failure that no retry can clear: given up at once, not retried. */
  isFinal(err: unknown): boolean;
  run(deps: TaskDeps, data: Data): Promise<void>;
};

export type LedgerJob = { ledgerId: string };

/**
 * Work queued per ledger or per provider account, with one failure policy each. Node runs these
 * through pg-boss queues, Workers through the JOBS queue; neither decides anything of its own.
 */
export const QUEUED_TASKS = {
  /** Backfill or incremental sync of one ledger; resumes from its cursor after a failure. */
  sync: {
    queue: 'sync-ledger',
    retry: { limit: 5, delaySeconds: 5, backoff: true },
    concurrency: 2,
    singletonKey: (d) => d.ledgerId,
    // A ledger that needs its owner, or one parked for the day: reconciliation queues it again.
    isFinal: syncFailureIsFinal,
    async run(deps, data) {
      const [row] = await deps.db.select().from(ledger).where(eq(ledger.id, data.ledgerId));
      if (!row) return; // deleted since the job was queued
      const ctx = {
        db: deps.db,
        firmId: row.firmId,
        actor: { type: 'system' as const, name: 'sync' },
        logger: deps.logger,
        clock: deps.clock,
      };
      await syncLedger({ ctx, input: { ledgerId: row.id } }, await deps.resolve(row), deps.onChange);
    },
  } satisfies QueuedTask<LedgerJob>,

  /** One provider account's webhook inbox; what is left after the run's budget queues itself again. */
  inbox: {
    queue: 'process-inbox',
    retry: { limit: 10, delaySeconds: 2, backoff: true },
    concurrency: 4,
    singletonKey: (k) => `${k.provider}:${k.accountRef}`,
    // Each event keeps its own backoff and dead-lettering; the job itself is always worth a retry.
    isFinal: () => false,
    async run(deps, key) {
      const run = await drainInbox(deps, key, {
        budgetMs: deps.inboxBudgetMs,
        receiptSaturated: deps.receiptSaturated,
      });
      if (run.more) await deps.jobs.enqueueInbox(key);
    },
  } satisfies QueuedTask<InboxKey>,

  /** Full risk rescoring (model refit) of one ledger, under its firm's row-level security. */
  rescore: {
    queue: 'rescore-ledger',
    retry: { limit: 3, delaySeconds: 30, backoff: true },
    concurrency: 1,
    singletonKey: (d) => d.ledgerId,
    isFinal: () => false,
    async run(deps, data) {
      const r = await inLedgerFirm(deps.db, data.ledgerId, (db) => rescoreLedger({ ...deps, db }, data.ledgerId));
      if (r) deps.logger.info('ledger rescored', r);
    },
  } satisfies QueuedTask<LedgerJob>,
};

export type QueuedTaskName = keyof typeof QUEUED_TASKS;
export type QueuedData = { sync: LedgerJob; inbox: InboxKey; rescore: LedgerJob };

/** The wait before retry number `attempt` (1 for the first retry). */
function retryDelaySeconds(policy: RetryPolicy, attempt: number): number {
  return policy.backoff ? policy.delaySeconds * 2 ** Math.max(0, attempt - 1) : policy.delaySeconds;
}

/**
 * What a runtime does with a failed run: retry it after a delay, or give it up (a final failure,
 * or the retries spent). `attempt` counts runs so far, the failed one included.
 */
export function onFailure(
  name: QueuedTaskName,
  err: unknown,
  attempt: number,
): { retry: false; reason: 'final' | 'retries spent' } | { retry: true; delaySeconds: number } {
  const task = QUEUED_TASKS[name];
  if (task.isFinal(err)) return { retry: false, reason: 'final' };
  if (attempt > task.retry.limit) return { retry: false, reason: 'retries spent' };
  return { retry: true, delaySeconds: retryDelaySeconds(task.retry, attempt) };
}
