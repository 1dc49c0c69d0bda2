import { and, eq, sql } from 'drizzle-orm';
import { type AccountingConnector, ConnectorError, RESOURCES, type Resource } from '../../connectors/types.ts';
import { dbError } from '../db/client.ts';
import { ledger, syncCursor } from '../db/schema/index.ts';
import { NotFoundError } from '../errors.ts';
import type { ServiceContext } from './context.ts';
import { type MirrorChangeHandler, noMirrorHandlers } from './mirror-changes.ts';
import { MIRROR_TABLES, markDeleted, upsertRecords } from './mirror.ts';

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

  for (const resource of input.resources ?? RESOURCES) {
    const cursor = await loadCursor(ctx, row.id, resource);
    const since = cursor.modifiedSince ? new Date(cursor.modifiedSince.getTime() - OVERLAP_MS) : undefined;
    let pageCursor = cursor.providerCursor ?? undefined;
    let watermark: Date | undefined;
    const tally = { pages: 0, items: 0, changed: 0 };
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
        const changed = await ctx.db.transaction(async (tx) => {
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
        // Reconciliation recovers what webhooks missed, so its changes replan and rescore too.
        if (resource === 'invoices' || resource === 'contacts') {
          const ids = changed.map((c) => c.id);
          await onChange({
            firmId: ctx.firmId,
            ledgerId: row.id,
            invoiceIds: resource === 'invoices' ? ids : [],
            contactIds: resource === 'contacts' ? ids : [],
            source: 'sync',
          });
        }
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
        backfillStatus: 'done',
        updatedAt: ctx.clock.now(),
      })
      .where(eq(syncCursor.id, cursor.id));
    result[resource] = tally;
  }
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
