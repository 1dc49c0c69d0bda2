import { isParked } from './ledger-health.ts';
import { and, asc, eq, inArray, lte, type SQL, sql } from 'drizzle-orm';
import type { Resource } from '../../connectors/types.ts';
import { resourceFor } from '../../webhooks/events.ts';
import { UNKNOWN_TENANT } from '../../webhooks/inbox.ts';
import { eventPayload } from '../../webhooks/payload.ts';
import { anyOf } from '../db/array-param.ts';
import type { Db } from '../db/client.ts';
import { ledger, webhookEvent } from '../db/schema/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ConnectorResolver } from './connectors.ts';
import type { InboxKey } from './jobs.ts';
import type { MirrorChangeHandler } from './mirror-changes.ts';
import { refreshLedgerEntities } from './inbox-refresh.ts';
import { holdNamed, releaseHolds } from './invoice-holds.ts';

/** After this many failed attempts an event is dead: kept, listed, and only requeued by an operator. */
export const MAX_ATTEMPTS = 6;
/** 30 s, 2 min, 8 min, 32 min, ~2 h: long enough to ride out a provider incident. */
const retryDelayMs = (attempt: number) => Math.min(30_000 * 4 ** (attempt - 1), 6 * 3_600_000);

export type InboxDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  resolve: ConnectorResolver;
  onChange: MirrorChangeHandler;
};
export type InboxRun = { processed: number; failed: number; dead: number; ignored: number; more: boolean };
/** Where a batch ended in arrival order: the next batch of the same drain reads on from there. */
type InboxCursor = { receivedAt: Date; id: string };

/**
 * What processing reads of an event: what it names, and for a merge what it carries (the payload,
 * or the bytes it is read from). A batch is 200 rows; nothing else of them is needed.
 */
const processingColumns = {
  id: webhookEvent.id,
  provider: webhookEvent.provider,
  entity: webhookEvent.entity,
  entityId: webhookEvent.entityId,
  operation: webhookEvent.operation,
  attempts: webhookEvent.attempts,
  receivedAt: webhookEvent.receivedAt,
  payload: sql<Record<
    string,
    unknown
  > | null>`case when ${webhookEvent.operation} = 'merge' then ${webhookEvent.payload} end`,
  rawBody: sql<Uint8Array | null>`case when ${webhookEvent.operation} = 'merge' and ${webhookEvent.payload} is null then ${webhookEvent.rawBody} end`,
};
type Row = {
  id: string;
  provider: string;
  entity: string;
  entityId: string;
  operation: string;
  attempts: number;
  receivedAt: Date;
  payload: Record<string, unknown> | null;
  rawBody: Uint8Array | null;
};
type Item = { resource: Resource; externalId: string; rows: Row[] };

/**
 * Processes the due events of one provider account. Webhooks carry ids only, so each changed
 * entity is fetched once (however many events name it) and upserted newer-wins; the order
 * events arrive in does not matter. A payment or credit also refreshes the invoices it pays.
 */
export async function processInbox(deps: InboxDeps, key: InboxKey, opts: { limit?: number } = {}): Promise<InboxRun> {
  const { last: _last, ...run } = await processBatch(deps, key, opts);
  return run;
}

/** processInbox, from `after` on, saying where the batch ended. */
async function processBatch(
  deps: InboxDeps,
  key: InboxKey,
  opts: { limit?: number; after?: InboxCursor },
): Promise<InboxRun & { last?: InboxCursor }> {
  const limit = opts.limit ?? 200;
  const now = deps.clock.now();
  const run: InboxRun = { processed: 0, failed: 0, dead: 0, ignored: 0, more: false };
  const due = and(
    eq(webhookEvent.provider, key.provider),
    eq(webhookEvent.accountRef, key.accountRef),
    inArray(webhookEvent.status, ['received', 'failed']),
    lte(webhookEvent.nextAttemptAt, now),
    opts.after ? afterCursor(opts.after) : undefined,
  );
  const arrival = [asc(webhookEvent.receivedAt), asc(webhookEvent.id)];

  const ledgers = await deps.db
    .select()
    .from(ledger)
    .where(and(eq(ledger.provider, key.provider), eq(ledger.externalId, key.accountRef)));
  const active = ledgers.filter((l) => l.status === 'active');
  if (active.length === 0) {
    // Nothing to fetch for (events are settled like this on receipt; here after a replay, or when
    // the ledger was disconnected since): settle the next batch in one statement, without reading it.
    const reason = ledgers.length === 0 ? UNKNOWN_TENANT : `ledger is ${ledgers[0]!.status}`;
    const settled = await deps.db
      .update(webhookEvent)
      .set({ status: 'ignored', error: reason, processedAt: now })
      .where(
        inArray(
          webhookEvent.id,
          deps.db
            .select({ id: webhookEvent.id })
            .from(webhookEvent)
            .where(due)
            .orderBy(...arrival)
            .limit(limit),
        ),
      )
      .returning({ id: webhookEvent.id });
    if (settled.length > 0)
      deps.logger.warn('webhook events not processed', {
        provider: key.provider,
        accountRef: key.accountRef,
        events: settled.length,
        reason,
      });
    return { ...run, ignored: settled.length, more: settled.length === limit };
  }

  // The provider refuses this account's calls until its daily limit resets: the events wait for
  // it, their attempts untouched (nothing failed), rather than being spent on refusals.
  const reset = parkedUntil(active, now);
  if (reset) {
    await deps.db.update(webhookEvent).set({ nextAttemptAt: reset }).where(due);
    return run;
  }

  const rows: Row[] = await deps.db
    .select(processingColumns)
    .from(webhookEvent)
    .where(due)
    .orderBy(...arrival)
    .limit(limit);
  if (rows.length === 0) return run;
  run.more = rows.length === limit;
  const lastRow = rows[rows.length - 1]!;

  const items = new Map<string, Item>();
  const add = (resource: Resource, row: Row) => {
    const k = `${resource}:${row.entityId}`;
    const item = items.get(k) ?? { resource, externalId: row.entityId, rows: [] };
    item.rows.push(row);
    items.set(k, item);
  };
  const merges: { from: string; into: string }[] = [];
  for (const row of rows) {
    const resource = resourceFor(row.entity);
    if (!resource) continue; // stored as ignored on receipt; only here after a manual replay
    add(resource, row);
    const p = (row.operation === 'merge' ? (eventPayload(row) ?? {}) : {}) as {
      deletedId?: string;
      data?: { deletedid?: string };
    };
    const merged = p.deletedId ?? p.data?.deletedid;
    if (row.operation === 'merge' && merged) merges.push({ from: merged, into: row.entityId });
  }
  const unmapped = rows.filter((r) => !resourceFor(r.entity));
  if (unmapped.length) {
    await settle(deps.db, unmapped, { status: 'ignored', error: 'entity not mirrored', processedAt: now });
    run.ignored += unmapped.length;
  }

  const failures = new Map<string, string>();
  for (const l of active) {
    // Before any provider call (which may wait for the ledger's budget): the named invoices'
    // reminders stop here, and the read below decides what becomes of them.
    const held = await holdNamed(deps.db, l.id, [...items.values()], now);
    const result = await refreshLedgerEntities(deps, l, [...items.values()], merges);
    for (const [k, msg] of result) failures.set(k, msg);
    // A failed read keeps its holds (a later read, the retry's or a send's own, supersedes them).
    if (result.size === 0) await releaseHolds(deps.db, held, now);
  }

  const ok: Row[] = [];
  for (const [k, item] of items) {
    const error = failures.get(k);
    if (!error) {
      ok.push(...item.rows);
      continue;
    }
    for (const row of item.rows) {
      const attempts = row.attempts + 1;
      const dead = attempts >= MAX_ATTEMPTS;
      await deps.db
        .update(webhookEvent)
        .set({
          status: dead ? 'dead' : 'failed',
          attempts,
          error,
          nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)),
        })
        .where(eq(webhookEvent.id, row.id));
      if (dead) {
        run.dead++;
        deps.logger.error('webhook event dead-lettered', {
          eventId: row.id,
          provider: key.provider,
          entity: row.entity,
          attempts,
          error,
        });
      } else run.failed++;
    }
  }
  await settle(deps.db, ok, { status: 'processed', error: null, processedAt: now, bumpAttempts: true });
  run.processed = ok.length;
  return { ...run, last: { receivedAt: lastRow.receivedAt, id: lastRow.id } };
}

/** When every active ledger of the account is parked: the earliest reset. */
function parkedUntil(active: (typeof ledger.$inferSelect)[], now: Date): Date | undefined {
  if (!active.every((l) => isParked(l, now))) return undefined;
  return new Date(Math.min(...active.map((l) => l.pausedUntil!.getTime())));
}

/** Events after `c` in arrival order: an index condition on webhook_event_pending_idx. */
const afterCursor = (c: InboxCursor): SQL =>
  sql`(${webhookEvent.receivedAt}, ${webhookEvent.id}) > (${c.receivedAt.toISOString()}::timestamptz, ${c.id}::uuid)`;

/**
 * Processes one account's due events batch after batch until none are left or `budgetMs` has
 * passed; `more` then says whether the caller should queue another run. Looping here instead of
 * queueing a job per batch keeps a backlog from waiting a job-poll interval per 200 events.
 *
 * Each batch reads on from where the previous one ended. Read from the start every time, a batch
 * walked the pending index over every entry settled since the table was last vacuumed (they
 * leave it only then): 60,000 of them made each read of 200 events cost 1.5 ms. A delivery
 * committed late can carry an earlier receipt time than the cursor, so a drain that reaches the
 * end of its cursor reads once more from the start before it is done.
 */
export async function drainInbox(
  deps: InboxDeps,
  key: InboxKey,
  opts: { budgetMs?: number; limit?: number; receiptSaturated?: () => boolean } = {},
): Promise<InboxRun> {
  const budgetMs = opts.budgetMs ?? 10_000;
  const started = performance.now();
  const total: InboxRun = { processed: 0, failed: 0, dead: 0, ignored: 0, more: false };
  let after: InboxCursor | undefined;
  for (;;) {
    const run = await processBatch(deps, key, { limit: opts.limit, after });
    total.processed += run.processed;
    total.failed += run.failed;
    total.dead += run.dead;
    total.ignored += run.ignored;
    // A cursor run that found the end still owes the read from the start.
    total.more = run.more || after !== undefined;
    after = run.more ? run.last : undefined;
    if (!total.more || performance.now() - started >= budgetMs) return total;
    if (opts.receiptSaturated) await yieldToReceipt(opts.receiptSaturated);
  }
}

/** The longest a batch waits for receipt, and how often it looks again. */
export const YIELD_MAX_MS = 250;
export const YIELD_STEP_MS = 25;

/**
 * Acknowledging a delivery has a provider's deadline behind it (Xero 5 s, Intuit 3 s); processing
 * it has none. While deliveries queue for the database, the next batch waits for them to clear,
 * up to YIELD_MAX_MS: under a burst the CPU goes to receipt, and processing still moves at least
 * a batch per quarter second, catching up as soon as the burst is over.
 */
async function yieldToReceipt(saturated: () => boolean) {
  for (let waited = 0; waited < YIELD_MAX_MS && saturated(); waited += YIELD_STEP_MS)
    await new Promise((r) => setTimeout(r, YIELD_STEP_MS));
}

async function settle(
  db: Db,
  rows: Row[],
  set: { status: 'processed' | 'ignored'; error: string | null; processedAt: Date; bumpAttempts?: boolean },
) {
  if (rows.length === 0) return;
  await db
    .update(webhookEvent)
    .set({
      status: set.status,
      error: set.error,
      processedAt: set.processedAt,
      ...(set.bumpAttempts ? { attempts: sql`${webhookEvent.attempts} + 1` } : {}),
    })
    .where(
      anyOf(
        webhookEvent.id,
        rows.map((r) => r.id),
        'uuid',
      ),
    );
}
