import { firmRef, ledgerRef } from './refs.ts';
import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, firmIsolation } from './columns.ts';
import { invoice } from './invoice.ts';

/**
 * History notes waiting to be written to the ledger's invoices (the only thing overdue writes
 * back). Sending records them here, in the send's own transaction; a writer drains them in the
 * provider budget's lowest lane, so a note never delays stopping a reminder or sending one, and
 * notes are the first thing to wait for tomorrow when a ledger's daily call budget runs low.
 */
export const ledgerNote = pgTable(
  'ledger_note',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    invoiceExternalId: text('invoice_external_id').notNull(),
    body: text('body').notNull(),
    /** `reminder`, `escalation` (a firm or final reminder) or `handoff`: what a ledger's setting keeps. */
    kind: text('kind').notNull(),
    /** `pending` → `written`; `skipped` (the ledger's setting), `failed` after the last attempt. */
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at').notNull().defaultNow(),
    error: text('error'),
    createdAt: createdAt(),
    writtenAt: tstz('written_at'),
  },
  (t) => [firmIsolation(t.firmId), index('ledger_note_pending_idx').on(t.nextAttemptAt).where(sql`status = 'pending'`)],
);

/**
 * A ledger change heard of (a webhook naming the invoice) and not yet read: set on receipt, before
 * any provider call, and cleared once the invoice has been read. A reminder whose pre-send read is
 * older than the hold is not sent; the read that follows decides (paid: cancelled; unchanged: sent).
 */
export const invoiceHold = pgTable(
  'invoice_hold',
  {
    invoiceId: uuid('invoice_id')
      .primaryKey()
      .references(() => invoice.id, { onDelete: 'cascade' }),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    heldAt: tstz('held_at').notNull(),
  },
  (t) => [firmIsolation(t.firmId)],
);
