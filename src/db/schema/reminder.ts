import { REMINDER_STATUSES } from '../../domain/statuses.ts';
import { firmRef, ledgerRef } from './refs.ts';
import { index, integer, jsonb, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt, firmIsolation } from './columns.ts';
import { contact } from './contact.ts';
import { invoice } from './invoice.ts';

export const reminderStatusEnum = pgEnum('reminder_status', REMINDER_STATUSES);

export type GateResult = { gate: string; ok: boolean; detail?: string };

/** What a person approved in safe mode: the message as it stood, and its digest. */
export type Approval = {
  digest: string;
  to: string | null;
  template: string;
  subject: string;
  /** "number currency amount" of each invoice the message covered. */
  items: string[];
  approvedAt: string;
};

/** One planned action for one contact; it may cover several invoices (consolidated message). */
export const reminder = pgTable(
  'reminder',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contact.id, { onDelete: 'cascade' }),
    stepKey: text('step_key').notNull(),
    /** Template of the most severe step it covers; `handoff` steps send nothing (agency hand-off). */
    templateKey: text('template_key').notNull().default('neutral'),
    kind: text('kind').notNull().default('email'),
    dueAt: tstz('due_at').notNull(),
    status: reminderStatusEnum('status').notNull().default('scheduled'),
    attempts: integer('attempts').notNull().default(0),
    gateResults: jsonb('gate_results').$type<GateResult[]>(),
    statusReason: text('status_reason'),
    /**
     * Set, under the current claim, just before the mail server is called. A reminder found in
     * `sending` without it never reached the server and may be retried; with it, a person decides.
     */
    sendStartedAt: tstz('send_started_at'),
    /** Safe mode: the content approved. A message that differs at send time goes back for approval. */
    approval: jsonb('approval').$type<Approval>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    index('reminder_due_idx').on(t.status, t.dueAt),
    index('reminder_contact_idx').on(t.contactId),
  ],
);

/** The invoices a reminder covers. Unique (invoice, step): at most one message per invoice and step. */
export const reminderItem = pgTable(
  'reminder_item',
  {
    reminderId: uuid('reminder_id')
      .notNull()
      .references(() => reminder.id, { onDelete: 'cascade' }),
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoice.id, { onDelete: 'cascade' }),
    firmId: firmRef(),
    stepKey: text('step_key').notNull(),
  },
  (t) => [
    firmIsolation(t.firmId),
    primaryKey({ columns: [t.reminderId, t.invoiceId] }),
    uniqueIndex('reminder_item_invoice_step_uq').on(t.invoiceId, t.stepKey),
  ],
);

export const messageStatusEnum = pgEnum('message_status', ['captured', 'sent', 'bounced', 'failed']);

/** The communication log: every message as rendered and sent, with why it was allowed to go. */
export const message = pgTable(
  'message',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    contactId: uuid('contact_id').references(() => contact.id, { onDelete: 'set null' }),
    reminderId: uuid('reminder_id').references(() => reminder.id, { onDelete: 'set null' }),
    channel: text('channel').notNull().default('email'),
    fromAddress: text('from_address').notNull(),
    toAddresses: text('to_addresses').array().notNull(),
    ccAddresses: text('cc_addresses').array().notNull().default([]),
    subject: text('subject').notNull(),
    html: text('html').notNull(),
    text: text('text').notNull(),
    templateKey: text('template_key'),
    templateVersion: text('template_version'),
    gateResults: jsonb('gate_results').$type<GateResult[]>(),
    ledgerSnapshotHash: text('ledger_snapshot_hash'),
    status: messageStatusEnum('status').notNull(),
    idempotencyKey: text('idempotency_key').notNull(),
    providerMessageId: text('provider_message_id'),
    error: text('error'),
    sentAt: tstz('sent_at'),
    createdAt: createdAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('message_idempotency_uq').on(t.idempotencyKey),
    index('message_contact_idx').on(t.contactId, t.createdAt),
    index('message_ledger_idx').on(t.ledgerId, t.createdAt),
  ],
);
