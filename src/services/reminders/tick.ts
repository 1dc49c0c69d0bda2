import { and, eq, lt, sql } from 'drizzle-orm';
import { queryRows } from '../../db/client.ts';
import { reminder } from '../../db/schema/index.ts';
import { type DeliverDeps, deliverReminder, type Outcome } from './deliver.ts';

export type TickResult = { claimed: number } & Partial<Record<Outcome, number>>;

/**
 * Claims due reminders and delivers them. The claim moves `scheduled` → `sending` with
 * FOR UPDATE SKIP LOCKED, so any number of concurrent ticks (threads, processes) each take
 * different reminders; the cost is proportional to what is due, not to the size of the ledger.
 */
export async function tick(deps: DeliverDeps, opts: { limit?: number; concurrency?: number } = {}): Promise<TickResult> {
  const now = deps.clock.now();
  const claimed = await queryRows<{ id: string; contact_id: string }>(
    deps.db,
    sql`update reminder set status = 'sending', attempts = attempts + 1, updated_at = ${now.toISOString()}
        where id in (
          select id from reminder where status = 'scheduled' and due_at <= ${now.toISOString()}
          order by due_at limit ${opts.limit ?? 100} for update skip locked)
        returning id, contact_id`,
  );
  const result: TickResult = { claimed: claimed.length };
  // Contacts in parallel (up to `concurrency`), each contact's reminders one after another so the
  // frequency cap sees the message just sent.
  const byContact = new Map<string, string[]>();
  for (const r of claimed) byContact.set(r.contact_id, [...(byContact.get(r.contact_id) ?? []), r.id]);
  const queues = [...byContact.values()];
  const worker = async () => {
    for (let q = queues.shift(); q; q = queues.shift()) {
      for (const id of q) {
        const outcome = await deliverSafely(deps, id);
        result[outcome] = (result[outcome] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, queues.length) }, worker));
  return result;
}

async function deliverSafely(deps: DeliverDeps, id: string): Promise<Outcome> {
  try {
    return await deliverReminder(deps, id);
  } catch (err) {
    // Unknown failure after the claim: whether a message left is unknown, so a person decides.
    deps.logger.error('reminder delivery crashed', { reminderId: id, error: (err as Error).name });
    await deps.db.update(reminder).set({ status: 'needs_review', statusReason: 'delivery failed unexpectedly; check before resending' }).where(eq(reminder.id, id));
    return 'failed';
  }
}

/**
 * A reminder left in `sending` (the process died between claiming and recording the outcome)
 * may or may not have been emailed. It becomes `needs_review`: never resent automatically.
 */
export async function recoverStuckSending(deps: Pick<DeliverDeps, 'db' | 'clock' | 'logger'>, olderThanMs = 10 * 60_000): Promise<number> {
  const cutoff = new Date(deps.clock.now().getTime() - olderThanMs);
  const rows = await deps.db
    .update(reminder)
    .set({ status: 'needs_review', statusReason: 'interrupted while sending: it may have been emailed; review before resending' })
    .where(and(eq(reminder.status, 'sending'), lt(reminder.updatedAt, cutoff)))
    .returning({ id: reminder.id });
  if (rows.length) deps.logger.warn('interrupted reminders need review', { count: rows.length });
  return rows.length;
}
