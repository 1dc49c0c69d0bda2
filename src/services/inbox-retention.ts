import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';

/**
 * Dedupe rows must outlive any redelivery: a provider retry, or an operator replaying from the
 * provider's side, up to 30 days later (reliability #9). Retention below this is refused.
 */
export const MIN_WEBHOOK_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;

export type PruneOptions = {
  retentionDays: number;
  /** Rows per statement: short transactions, so receipt and processing never wait behind a purge. */
  batchSize?: number;
  /** Stop starting new batches after this long; the rest goes on the next run. */
  budgetMs?: number;
};

export type PruneResult = { events: number; deliveries: number; more: boolean };

/**
 * Deletes what the inbox no longer needs once `retentionDays` have passed since receipt: settled
 * events (processed, or ignored on receipt) with their bytes, and stored deliveries none of whose
 * events remain (a quarantined body included). Events still owed work (received, processing,
 * failed) and dead letters stay whatever their age: they wait for processing or an operator.
 *
 * Without this the inbox grows by every delivery forever: the raw bodies are the bulk of the
 * database, and each receipt pays for indexes that outgrow memory.
 */
export async function pruneInbox(db: Db, clock: Clock, opts: PruneOptions): Promise<PruneResult> {
  if (!(opts.retentionDays >= MIN_WEBHOOK_RETENTION_DAYS))
    throw new RangeError(`webhook retention must be at least ${MIN_WEBHOOK_RETENTION_DAYS} days`);
  const batch = opts.batchSize ?? 5_000;
  const until = performance.now() + (opts.budgetMs ?? Infinity);
  const cutoff = new Date(clock.now().getTime() - opts.retentionDays * DAY_MS).toISOString();
  const out: PruneResult = { events: 0, deliveries: 0, more: false };

  const step = async (statement: ReturnType<typeof sql>) => (await queryRows<{ n: number }>(db, statement))[0]!.n;
  // Found by scanning, not through an index on received_at: every receipt would pay for that
  // index to serve a purge that runs once an hour.
  const events = sql`with gone as (
      delete from webhook_event where id in (
        select id from webhook_event where status in ('processed', 'ignored') and received_at < ${cutoff}::timestamptz limit ${batch})
      returning 1)
    select count(*)::int as n from gone`;
  const deliveries = sql`with gone as (
      delete from webhook_delivery where id in (
        select d.id from webhook_delivery d
        where d.status in ('received', 'quarantined') and d.received_at < ${cutoff}::timestamptz
          and not exists (select 1 from webhook_event e where e.delivery_id = d.id)
        limit ${batch})
      returning 1)
    select count(*)::int as n from gone`;

  for (const [statement, key] of [
    [events, 'events'],
    [deliveries, 'deliveries'],
  ] as const) {
    for (;;) {
      if (performance.now() > until) return { ...out, more: true };
      const n = await step(statement);
      out[key] += n;
      if (n < batch) break;
    }
  }
  return out;
}
