import { firmRef, ledgerRef } from './refs.ts';
import { integer, pgEnum, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, tstz, updatedAt, firmIsolation } from './columns.ts';

export const syncResourceEnum = pgEnum('sync_resource', ['contacts', 'invoices', 'payments', 'credit_notes']);
export const backfillStatusEnum = pgEnum('backfill_status', ['pending', 'running', 'done', 'failed']);

/** Per ledger and resource: where incremental sync resumes and how far backfill has got. */
export const syncCursor = pgTable(
  'sync_cursor',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    resource: syncResourceEnum('resource').notNull(),
    /** Newest provider update seen; the next incremental run asks for changes since then. */
    modifiedSince: tstz('modified_since'),
    /** Opaque provider cursor (QuickBooks CDC time, page token). */
    providerCursor: text('provider_cursor'),
    backfillStatus: backfillStatusEnum('backfill_status').notNull().default('pending'),
    pagesDone: integer('pages_done').notNull().default(0),
    pagesEstimated: integer('pages_estimated'),
    itemsDone: integer('items_done').notNull().default(0),
    lastRunAt: tstz('last_run_at'),
    lastError: text('last_error'),
    updatedAt: updatedAt(),
  },
  (t) => [firmIsolation(t.firmId), uniqueIndex('sync_cursor_ledger_resource_uq').on(t.ledgerId, t.resource)],
);
