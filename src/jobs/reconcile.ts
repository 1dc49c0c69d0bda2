import { type Db, dbError } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { JobQueue } from '../services/jobs.ts';
import { reconcileAll, sweepInbox } from '../services/background.ts';
import { pruneInbox } from '../services/inbox-retention.ts';
import { warnExpiringGrants } from '../services/grant-expiry.ts';
import type { LedgerHealthDeps } from '../services/ledger-health.ts';

type ScheduleDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  jobs: JobQueue;
  reconcileMs: number;
  sweepMs: number;
  retentionDays: number;
  /** Who is told of connections nearing their provider's hard expiry. */
  notices?: LedgerHealthDeps['notices'];
};

/** Retention is counted in days: an hourly purge keeps the inbox within an hour of it. */
const PRUNE_MS = 3_600_000;

/**
 * The safety nets behind webhooks: reconciliation at start-up and every `reconcileMs`, and the
 * inbox sweep every `sweepMs`. Sync jobs are singletons per ledger, so several processes
 * running this queue each ledger once. The inbox purge (retention) and the connection expiry
 * warnings run at start-up and hourly; several processes doing either at once do it once.
 */
export function startSchedules(deps: ScheduleDeps) {
  const reconcile = () =>
    reconcileAll(deps.db, deps.jobs, deps.clock.now()).catch((err: unknown) =>
      deps.logger.error('reconcile scheduling failed', dbError(err)),
    );
  const sweep = () =>
    sweepInbox(deps.db, deps.clock, deps.jobs).catch((err: unknown) =>
      deps.logger.error('inbox sweep failed', dbError(err)),
    );
  const prune = () =>
    pruneInbox(deps.db, deps.clock, { retentionDays: deps.retentionDays, budgetMs: 20_000 })
      .then(
        (r) =>
          (r.events || r.deliveries) &&
          deps.logger.info('webhook inbox purged', { ...r, retentionDays: deps.retentionDays }),
      )
      .catch((err: unknown) => deps.logger.error('inbox purge failed', dbError(err)));
  const warn = () =>
    warnExpiringGrants(deps).catch((err: unknown) => deps.logger.error('expiry warnings failed', dbError(err)));
  void reconcile();
  void sweep();
  void prune();
  void warn();
  const timers = [
    setInterval(reconcile, deps.reconcileMs),
    setInterval(sweep, deps.sweepMs),
    setInterval(prune, PRUNE_MS),
    setInterval(warn, PRUNE_MS),
  ];
  for (const t of timers) t.unref();
  return () => timers.forEach(clearInterval);
}
