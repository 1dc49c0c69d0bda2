import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import {
  type AccountingConnector,
  ConnectorError,
  type CreditNote,
  type Page,
  type Payment,
  RESOURCES,
  type Resource,
} from '../../connectors/types.ts';
import { type Db, dbError } from '../db/client.ts';
import { ledger, syncCursor } from '../db/schema/index.ts';
import { NotFoundError } from '../errors.ts';
import type { ServiceContext } from './context.ts';
import { type MirrorChangeHandler, noMirrorHandlers } from './mirror-changes.ts';
import { invoicesAllocatedBy, refreshRecords } from './invoice-refresh.ts';
import { MIRROR_TABLES, markDeleted, upsertRecords } from './mirror.ts';
import { SyncChanges } from './sync-changes.ts';

/** Re-read a little behind the last high-water mark: providers commit updates slightly out of order. */
const OVERLAP_MS = 5 * 60_000;

export type SyncInput = { ledgerId: string; resources?: Resource[] };
export type SyncResult = Record<Resource, { pages: number; items: number; changed: number }>;

/**
 * Pulls every change since the last run (all history on the first), page by page, into the mirror.
 * Progress is saved after each page, so a crash resumes at the page it stopped on.
 */
export async function syncLedger(
  { ctx, input }: { ctx: ServiceContext; input: SyncInput },
  connector: AccountingConnector,
  onChange: MirrorChangeHandler = noMirrorHandlers,
): Promise<SyncResult> {
  const [row] = await ctx.db
    .select()
    .from(ledger)
    .where(and(eq(ledger.id, input.ledgerId), eq(ledger.firmId, ctx.firmId)));
  if (!row) throw new NotFoundError('ledger');
  const target = { firmId: ctx.firmId, ledgerId: row.id };
  const result = {} as SyncResult;
  const changes = new SyncChanges();

  try {
    for (const resource of input.resources ?? RESOURCES) {
      const cursor = await loadCursor(ctx, row.id, resource);
      // A backfill, or resuming one mid-listing (pages before the interruption were never
      // reported): the whole ledger is scored and planned in one pass at the end.
      if (cursor.providerCursor || cursor.backfillStatus !== 'done') changes.everything = true;
      const since = cursor.modifiedSince ? new Date(cursor.modifiedSince.getTime() - OVERLAP_MS) : undefined;
      let pageCursor = cursor.providerCursor ?? undefined;
      let watermark: Date | undefined;
      const tally = { pages: 0, items: 0, changed: 0 };
      const reopened = new Set<string>();
      // Ids a complete listing showed, when this run walks all of it: the rest were deleted.
      const seen: Set<string> | null = pageCursor ? null : new Set<string>();
      let complete = true;
      await ctx.db
        .update(syncCursor)
        .set({
          backfillStatus: cursor.backfillStatus === 'done' ? 'done' : 'running',
          lastRunAt: ctx.clock.now(),
          lastError: null,
          // A fresh run restarts the progress count; a resumed one keeps counting.
          ...(pageCursor ? {} : { pagesDone: 0, itemsDone: 0 }),
        })
        .where(eq(syncCursor.id, cursor.id));
      try {
        do {
          const page = await connector.page(row.externalId, resource, { modifiedSince: since, cursor: pageCursor });
          pageCursor = page.nextCursor;
          if (page.watermark) watermark = page.watermark;
          complete &&= page.complete === true;
          if (complete) for (const r of page.items) seen?.add(r.externalId);
          const changed = await ctx.db.transaction(async (tx) => {
            if (resource === 'payments' || resource === 'credit_notes')
              for (const id of await reversedAllocations(tx, row.id, resource, page as Page<Payment>)) reopened.add(id);
            const changed = await upsertRecords(tx, target, resource, page.items);
            if (page.deleted?.length) changed.push(...(await markDeleted(tx, row.id, resource, page.deleted)));
            await tx
              .update(syncCursor)
              .set({
                providerCursor: pageCursor ?? null,
                pagesDone: sql`${syncCursor.pagesDone} + 1`,
                ...(page.estimatedPages ? { pagesEstimated: page.estimatedPages } : {}),
                itemsDone: sql`${syncCursor.itemsDone} + ${page.items.length}`,
                updatedAt: ctx.clock.now(),
              })
              .where(eq(syncCursor.id, cursor.id));
            return changed;
          });
          tally.changed += changed.length;
          // Reconciliation recovers what webhooks missed, so its changes replan and rescore too:
          // once, at the end of the run.
          changes.add(resource, changed);
          tally.pages++;
          tally.items += page.items.length;
        } while (pageCursor);
      } catch (err) {
        await ctx.db
          .update(syncCursor)
          .set({ lastError: err instanceof ConnectorError ? err.message.slice(0, 500) : dbError(err).message })
          .where(eq(syncCursor.id, cursor.id));
        throw err;
      }
      if (complete && seen && watermark) {
        const gone = await unlisted(ctx.db, row.id, resource, seen, watermark);
        if (resource === 'payments' || resource === 'credit_notes')
          for (const id of await invoicesAllocatedBy(ctx.db, row.id, resource, gone)) reopened.add(id);
        const changed = await markDeleted(
          ctx.db,
          row.id,
          resource,
          gone.map((externalId) => ({ externalId, updatedAt: watermark })),
        );
        tally.changed += changed.length;
        changes.add(resource, changed);
      }
      // A voided or deleted payment or credit leaves the invoices it paid owing again, and the
      // ledger need not report those invoices as changed: they are read now.
      if (reopened.size) {
        const account = { ...target, account: row.externalId };
        const changed = await refreshRecords(ctx.db, connector, account, 'invoices', [...reopened], ctx.clock.now());
        tally.changed += changed.length;
        changes.add('invoices', changed);
      }
      // The next run starts from the newest provider update now mirrored.
      const table = MIRROR_TABLES[resource];
      const [{ newest } = { newest: null }] = await ctx.db
        .select({ newest: sql<string | null>`max(${table.providerUpdatedAt})` })
        .from(table)
        .where(eq(table.ledgerId, row.id));
      await ctx.db
        .update(syncCursor)
        .set({
          modifiedSince: watermark ?? (newest ? new Date(newest) : cursor.modifiedSince),
          providerCursor: null,
          // A backfill stays 'running' until the ledger is scored and planned below: a process
          // that dies in between leaves it so, and the retry plans the whole ledger again.
          updatedAt: ctx.clock.now(),
        })
        .where(eq(syncCursor.id, cursor.id));
      result[resource] = tally;
    }
  } catch (err) {
    // What the pages before the failure changed is planned now: the retry starts after them.
    await changes.report(ctx.db, target, onChange).catch(() => {});
    throw err;
  }
  // A backfill has just grown the mirror tables from nothing: the planner's statistics are stale
  // (and PGlite runs no autovacuum at all), so the whole-ledger scoring and planning would read
  // contacts' invoices by sequential scan. Refreshed first, for them and for everything after.
  if (changes.everything) await ctx.db.execute(sql`analyze contact, invoice, payment, credit_note`);
  await changes.report(ctx.db, target, onChange);
  await ctx.db
    .update(syncCursor)
    .set({ backfillStatus: 'done', updatedAt: ctx.clock.now() })
    .where(
      and(
        eq(syncCursor.ledgerId, row.id),
        inArray(syncCursor.resource, [...(input.resources ?? RESOURCES)]),
        eq(syncCursor.backfillStatus, 'running'),
        isNull(syncCursor.providerCursor),
      ),
    );
  ctx.logger.info('ledger synced', { ledgerId: row.id, result });
  return result;
}

async function loadCursor(ctx: ServiceContext, ledgerId: string, resource: Resource) {
  await ctx.db
    .insert(syncCursor)
    .values({ firmId: ctx.firmId, ledgerId, resource })
    .onConflictDoNothing({ target: [syncCursor.ledgerId, syncCursor.resource] });
  const [cursor] = await ctx.db
    .select()
    .from(syncCursor)
    .where(and(eq(syncCursor.ledgerId, ledgerId), eq(syncCursor.resource, resource)));
  return cursor!;
}

/** Invoices paid by this page's voided or deleted payments (or credits), as the mirror knew them. */
async function reversedAllocations(
  db: Db,
  ledgerId: string,
  resource: 'payments' | 'credit_notes',
  page: Page<Payment | CreditNote>,
): Promise<string[]> {
  const reversed = page.items.filter((p) => p.status === 'voided' || p.status === 'deleted');
  const known = await invoicesAllocatedBy(db, ledgerId, resource, [
    ...reversed.map((p) => p.externalId),
    ...(page.deleted ?? []).map((d) => d.externalId),
  ]);
  return [...known, ...reversed.flatMap((p) => p.allocations.map((a) => a.invoiceExternalId))];
}

/** Mirrored rows, not deleted, older than the listing, that a complete listing did not show. */
async function unlisted(db: Db, ledgerId: string, resource: Resource, seen: Set<string>, before: Date) {
  const table = MIRROR_TABLES[resource];
  const rows = await db
    .select({ externalId: table.externalId })
    .from(table)
    .where(
      and(
        eq(table.ledgerId, ledgerId),
        sql`${table.status} <> 'deleted'`,
        sql`${table.providerUpdatedAt} < ${before.toISOString()}`,
      ),
    );
  return rows.map((r) => r.externalId).filter((id) => !seen.has(id));
}
