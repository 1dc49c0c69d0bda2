import { and, eq, lt, sql } from 'drizzle-orm';
import { queryRows } from '../../db/client.ts';
import { ledger, reminder } from '../../db/schema/index.ts';
import { type PresendRead, refreshBeforeSends } from './presend.ts';
import { MAX_SEND_ATTEMPTS, type Outcome, retryUnsent, stillClaimed } from './claim-outcomes.ts';
import { type DeliverDeps, type DeliveryProgress, deliverReminder } from './deliver.ts';

export type TickResult = { claimed: number } & Partial<Record<Outcome, number>>;

/**
 * Claims due reminders and delivers them. Reminders of a ledger that is not active (the customer
 * or the provider disconnected it) or is parked (the provider's daily limit) are left scheduled:
 * nothing about them can be checked against the ledger, and the ledger page says why. The claim moves `scheduled` → `sending` with
 * FOR UPDATE SKIP LOCKED, so any number of concurrent ticks (threads, processes) each take
 * different reminders; the cost is proportional to what is due, not to the size of the ledger.
 */
export async function tick(
  deps: DeliverDeps,
  opts: { limit?: number; concurrency?: number } = {},
): Promise<TickResult> {
  const now = deps.clock.now();
  const claimed = await queryRows<{ id: string; contact_id: string; ledger_id: string; attempts: number }>(
    deps.db,
    sql`update reminder set status = 'sending', attempts = attempts + 1, send_started_at = null, updated_at = ${now.toISOString()}
        where id in (
          select r.id from reminder r join ledger l on l.id = r.ledger_id
          where r.status = 'scheduled' and r.due_at <= ${now.toISOString()}
            and l.status = 'active' and (l.paused_until is null or l.paused_until <= ${now.toISOString()})
          order by r.due_at limit ${opts.limit ?? 100} for update of r skip locked)
        returning id, contact_id, ledger_id, attempts`,
  );
  const result: TickResult = { claimed: claimed.length };
  const concurrency = opts.concurrency ?? 8;
  // Each ledger on its own: one read of it for the whole batch (a call per 50 customers and per
  // 50 invoices, not one per reminder), then its sends. A ledger that is slow or not answering
  // holds only its own reminders; the others' reads and sends go on meanwhile.
  const byLedger = groupBy(claimed, (r) => r.ledger_id);
  // Deliveries across all ledgers share `concurrency` (the mail server's and the database's).
  const sends = semaphore(concurrency);
  await pool([...byLedger], concurrency, async ([ledgerId, rows]) => {
    let read: PresendRead | undefined;
    const [l] = await deps.db.select().from(ledger).where(eq(ledger.id, ledgerId));
    if (l) {
      try {
        read = await refreshBeforeSends(
          deps,
          l,
          rows.map((r) => r.id),
        );
      } catch (err) {
        // The database failed mid-read: each delivery reads for itself (and retries if it fails).
        deps.logger.warn('batch pre-send read failed', { ledgerId, error: (err as Error).name });
      }
    }
    // Contacts in parallel, each contact's reminders one after another so the frequency cap
    // sees the message just sent.
    const byContact = groupBy(rows, (r) => r.contact_id);
    await pool([...byContact.values()], concurrency, async (queue) => {
      for (const r of queue) {
        const outcome = await sends(() =>
          deliverSafely(deps, { id: r.id, attempts: r.attempts, ledgerId: r.ledger_id }, read),
        );
        result[outcome] = (result[outcome] ?? 0) + 1;
      }
    });
  });
  return result;
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const g = groups.get(k);
    if (g) g.push(t);
    else groups.set(k, [t]);
  }
  return groups;
}

/** At most `n` of the given tasks run at once; a finished task hands its place to the next in line. */
function semaphore(n: number) {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (active < n) active++;
    else await new Promise<void>((r) => waiting.push(r));
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else active--;
    }
  };
}

/** Runs `fn` over `items`, at most `n` at a time. */
async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>) {
  const queue = [...items];
  const worker = async () => {
    for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
  };
  await Promise.all(Array.from({ length: Math.min(n, queue.length) }, worker));
}

type Claim = { id: string; attempts: number; ledgerId: string };
const MAY_HAVE_SENT = 'interrupted while sending: it may have been emailed; review before resending';

async function deliverSafely(deps: DeliverDeps, claim: Claim, read: PresendRead | undefined): Promise<Outcome> {
  const progress: DeliveryProgress = { mailStarted: false };
  try {
    return await deliverReminder(deps, claim.id, progress, read);
  } catch (err) {
    const error = (err as Error).name;
    try {
      // The database or the ledger failed before the mail server was called: nothing left, so
      // the reminder is simply tried again later.
      if (!progress.mailStarted) {
        deps.logger.warn('reminder delivery interrupted before sending; will retry', { reminderId: claim.id, error });
        return await retryUnsent(deps, claim, `interrupted before sending (${error})`);
      }
      // Unknown failure once the mail server was called: whether a message left is unknown, so a person decides.
      deps.logger.error('reminder delivery crashed', { reminderId: claim.id, error });
      await deps.db
        .update(reminder)
        .set({ status: 'needs_review', statusReason: MAY_HAVE_SENT })
        .where(stillClaimed(claim));
    } catch {
      // The database is gone too: the reminder stays `sending` and recoverStuckSending decides.
      deps.logger.error('reminder outcome not recorded', { reminderId: claim.id, error });
    }
    return 'failed';
  }
}

/**
 * A reminder left in `sending` (the process or its database connection died between claiming and
 * recording the outcome). If its send never began it provably was not emailed and is retried;
 * otherwise it may have been, and becomes `needs_review`: never resent automatically.
 */
export async function recoverStuckSending(
  deps: Pick<DeliverDeps, 'db' | 'clock' | 'logger'>,
  olderThanMs = 10 * 60_000,
): Promise<number> {
  const now = deps.clock.now();
  const cutoff = new Date(now.getTime() - olderThanMs);
  const stuck = and(eq(reminder.status, 'sending'), lt(reminder.updatedAt, cutoff));
  const retry = sql`${reminder.sendStartedAt} is null and ${reminder.attempts} < ${MAX_SEND_ATTEMPTS}`;
  const rows = await deps.db
    .update(reminder)
    .set({
      status: sql`case when ${retry} then 'scheduled' else 'needs_review' end::reminder_status`,
      dueAt: sql`case when ${retry} then ${now.toISOString()}::timestamptz else ${reminder.dueAt} end`,
      statusReason: sql`case when ${retry} then 'retrying: interrupted before sending'
        when ${reminder.sendStartedAt} is null then 'interrupted before sending on every attempt; review before resending'
        else ${MAY_HAVE_SENT} end`,
      updatedAt: now,
    })
    .where(stuck)
    .returning({ id: reminder.id, status: reminder.status });
  const review = rows.filter((r) => r.status === 'needs_review').length;
  if (rows.length)
    deps.logger.warn('interrupted reminders recovered', { retried: rows.length - review, needsReview: review });
  return rows.length;
}
