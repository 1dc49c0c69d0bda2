import type { Config } from '../config.ts';
import type { AppDeps } from '../deps.ts';
import { mirrorHandlers } from '../services/background.ts';
import type { Db } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';
import type { Mailer } from '../notify/mailer.ts';
import type { ConnectorResolver } from '../services/connectors.ts';
import type { JobQueue } from '../services/jobs.ts';
import type { MirrorChangeHandler } from '../services/mirror-changes.ts';

/** What every background task may use; each runtime builds it once from its own wiring. */
export type TaskDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  cipher: TokenCipher;
  resolve: ConnectorResolver;
  jobs: JobQueue;
  onChange: MirrorChangeHandler;
  mailer: Mailer;
  /** HTTP to receivers users name (agencies, the firm's endpoints); absent: the runtime's fetch. */
  fetch?: typeof fetch;
  config: Pick<
    Config,
    'publicUrl' | 'mailFrom' | 'webhookRetentionDays' | 'tickIntervalMs' | 'reconcileIntervalMs' | 'rescoreIntervalMs'
  >;
  /** How long one inbox job may drain before it queues the rest (a Workers consumer's CPU allowance). */
  inboxBudgetMs?: number;
  /** Node: receipt is waiting for the database, so processing gives way (see drainInbox). */
  receiptSaturated?: () => boolean;
};

/** How a run is bounded: a Node shutdown, or a Workers invocation's time. */
export type RunLimits = {
  stopped(): boolean;
  /** Time a single pass (a purge) may take. */
  budgetMs: number;
};

/** The tasks' dependencies from a runtime's app dependencies; `extra` is what that runtime adds. */
export function taskDepsOf(d: AppDeps, extra: Partial<TaskDeps> = {}): TaskDeps {
  const base = { db: d.database.db, clock: d.clock, logger: d.logger };
  return {
    ...base,
    cipher: d.cipher,
    resolve: d.integrations.resolve,
    jobs: d.jobs,
    onChange: mirrorHandlers(base),
    mailer: d.mailer,
    fetch: d.fetch,
    config: d.config,
    ...extra,
  };
}
