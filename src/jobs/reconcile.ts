import { type Db, dbError } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { JobQueue } from '../services/jobs.ts';
import { reconcileAll, sweepInbox } from '../services/background.ts';

/**
 * The safety nets behind webhooks: reconciliation at start-up and every `intervalMs`, and the
 * inbox sweep every `sweepMs`. Sync jobs are singletons per ledger, so several processes
 * running this queue each ledger once.
 */
export function startSchedules(deps: { db: Db; clock: Clock; logger: Logger; jobs: JobQueue; reconcileMs: number; sweepMs: number }) {
  const reconcile = () =>
    reconcileAll(deps.db, deps.jobs).catch((err: unknown) => deps.logger.error('reconcile scheduling failed', dbError(err)));
  const sweep = () =>
    sweepInbox(deps.db, deps.clock, deps.jobs).catch((err: unknown) => deps.logger.error('inbox sweep failed', dbError(err)));
  void reconcile();
  void sweep();
  const timers = [setInterval(reconcile, deps.reconcileMs), setInterval(sweep, deps.sweepMs)];
  for (const t of timers) t.unref();
  return () => timers.forEach(clearInterval);
}
