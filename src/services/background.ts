import { and, eq, inArray, isNull, lte, or } from 'drizzle-orm';
import { ConnectorError } from '../../connectors/types.ts';
import type { Db } from '../db/client.ts';
import { PreconditionError } from '../errors.ts';
import { ledger, webhookEvent } from '../db/schema/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { InboxKey, JobQueue } from './jobs.ts';
import { changedContacts, inOrder, type MirrorChangeHandler } from './mirror-changes.ts';
import { replanContacts } from './reminders/planning.ts';
import { rescoreContacts, rescoreLedger } from './risk/scoring.ts';
import { creditAlertsOnChange } from './credit/limits.ts';

/**
 * Background work that both runtimes share (Node with pg-boss, Workers with Queues and Cron
 * Triggers): what to queue and what to run on a mirror change. No job engine is imported here.
 */

/**
 * Queues an incremental sync (Xero If-Modified-Since, QuickBooks CDC) of every active ledger that
 * is not parked by a provider's daily limit (the first run after the reset catches it up).
 */
export async function reconcileAll(db: Db, jobs: Pick<JobQueue, 'enqueueSync'>, now: Date): Promise<number> {
  const rows = await db
    .select({ id: ledger.id })
    .from(ledger)
    .where(and(eq(ledger.status, 'active'), or(isNull(ledger.pausedUntil), lte(ledger.pausedUntil, now))));
  for (const r of rows) await jobs.enqueueSync(r.id);
  return rows.length;
}

/**
 * Queues every account with events due: retries whose backoff has passed, and deliveries whose
 * job was never queued (the process died between commit and enqueue). Cheap: one indexed query.
 */
export async function sweepInbox(db: Db, clock: Clock, jobs: Pick<JobQueue, 'enqueueInbox'>): Promise<number> {
  const due = await db
    .selectDistinct({ provider: webhookEvent.provider, accountRef: webhookEvent.accountRef })
    .from(webhookEvent)
    .where(and(inArray(webhookEvent.status, ['received', 'failed']), lte(webhookEvent.nextAttemptAt, clock.now())));
  for (const d of due)
    await jobs.enqueueInbox({ provider: d.provider as InboxKey['provider'], accountRef: d.accountRef });
  return due.length;
}

type ChangeDeps = { db: Db; clock: Clock; logger: Logger };

/** Mirror changes (webhook or sync) replan the contacts they touch: a payment drops its reminders. */
export function replanOnChange(deps: ChangeDeps): MirrorChangeHandler {
  return async (change) => {
    const contacts = await changedContacts(deps.db, change);
    if (contacts.length) await replanContacts(deps, contacts);
  };
}

/** A new invoice or payment rescores the contacts it touches (before their reminders are replanned). */
export function rescoreOnChange(deps: ChangeDeps): MirrorChangeHandler {
  return async (change) => {
    // A whole ledger: one read of its history serves the fit and every contact's score.
    if (change.wholeLedger) return void (await rescoreLedger(deps, change.ledgerId));
    const contacts = await changedContacts(deps.db, change);
    if (contacts.length) await rescoreContacts(deps, change.ledgerId, contacts);
  };
}

/**
 * What runs on every mirror change, in order: risk first (replanning picks cadences by band and
 * credit alerts read it), then replanning, then the credit policy checks on new invoices.
 */
export const mirrorHandlers = (deps: ChangeDeps): MirrorChangeHandler =>
  inOrder([rescoreOnChange(deps), replanOnChange(deps), creditAlertsOnChange(deps)], deps.logger);

/**
 * Whether a failed ledger sync should be given up rather than retried, in both runtimes: a ledger
 * that needs its owner (not configured, disconnected, grant refused) or one parked for the
 * provider's daily limit, which reconciliation queues again after the reset.
 */
export function syncFailureIsFinal(err: unknown): boolean {
  if (err instanceof PreconditionError) return true;
  return err instanceof ConnectorError && (!err.retryable || err.providerCode === 'daily');
}
