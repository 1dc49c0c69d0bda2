import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { type GateResult, reminder } from '../../db/schema/index.ts';
import type { Clock } from '../../lib/clock.ts';

/**
 * How a claimed reminder ends when it is not sent: cancelled or skipped by a gate, or back to
 * `scheduled` with backoff when the mail server could not take it. Every change is conditional on
 * the claim, so a delivery that outlived its claim changes nothing.
 */

export type Outcome = 'sent' | 'rescheduled' | 'cancelled' | 'skipped' | 'failed' | 'handoff' | 'held';

/** A temporary mail failure is retried after 5, 20, 80, 320 minutes; the fifth failure goes to a person. */
export const MAX_SEND_ATTEMPTS = 5;
const sendRetryMs = (attempt: number) => 5 * 60_000 * 4 ** (attempt - 1);

export type Claimed = Pick<typeof reminder.$inferSelect, 'id' | 'attempts'>;
/**
 * The reminder as this delivery claimed it. A delivery that outlived its claim (recovered as
 * stuck, then claimed again by another tick) matches nothing and so changes nothing.
 */
export const stillClaimed = (rem: Claimed) =>
  and(eq(reminder.id, rem.id), eq(reminder.status, 'sending'), eq(reminder.attempts, rem.attempts));

/**
 * A reminder that provably did not reach the mail server goes back to `scheduled` with backoff
 * (5, 20, 80, 320 minutes); after the last attempt a person looks. Only while still claimed.
 */
export async function retryUnsent(
  deps: { db: Db; clock: Clock },
  rem: Claimed,
  reason: string,
  gates?: GateResult[],
): Promise<'rescheduled' | 'failed'> {
  const now = deps.clock.now();
  const giveUp = rem.attempts >= MAX_SEND_ATTEMPTS;
  await deps.db
    .update(reminder)
    .set(
      giveUp
        ? {
            status: 'needs_review',
            statusReason: `not sent after ${rem.attempts} attempts; ${reason}`.slice(0, 500),
            updatedAt: now,
            ...(gates ? { gateResults: gates } : {}),
          }
        : {
            status: 'scheduled',
            dueAt: new Date(now.getTime() + sendRetryMs(rem.attempts)),
            statusReason: `retrying: ${reason}`.slice(0, 500),
            updatedAt: now,
          },
    )
    .where(stillClaimed(rem));
  return giveUp ? 'failed' : 'rescheduled';
}

export async function finish(
  db: Db,
  rem: Claimed,
  status: 'cancelled' | 'skipped' | 'needs_review' | 'awaiting_approval',
  reason: string,
  gates: GateResult[],
  outcome?: Outcome,
): Promise<Outcome> {
  await db
    .update(reminder)
    .set({ status, statusReason: reason, gateResults: gates, updatedAt: sql`now()` })
    .where(stillClaimed(rem));
  return outcome ?? (status === 'cancelled' || status === 'skipped' ? status : 'held');
}

/** How soon a held reminder is looked at again: by then the webhook's read has usually decided. */
const HOLD_RETRY_MS = 60_000;
const HELD_REASON = 'held: a change to its invoices is being read from the ledger';

/**
 * Back to `scheduled` shortly, not sent: a webhook named one of its invoices after the read the
 * send relied on. The next tick reads again, and replanning has cancelled it by then if the
 * invoice was paid. A hold is not a failed attempt: the attempt is handed back.
 */
export async function holdBack(deps: { db: Db; clock: Clock }, rem: Claimed, gates: GateResult[]) {
  const now = deps.clock.now();
  await deps.db
    .update(reminder)
    .set({
      status: 'scheduled',
      dueAt: new Date(now.getTime() + HOLD_RETRY_MS),
      attempts: sql`${reminder.attempts} - 1`,
      statusReason: HELD_REASON,
      gateResults: [...gates, { gate: 'hold', ok: false, detail: HELD_REASON }],
      updatedAt: now,
    })
    .where(stillClaimed(rem));
  return 'rescheduled' as const;
}
