import { CASE_STATUSES } from '../../domain/statuses.ts';
import { firmRef, ledgerRef } from './refs.ts';
import { sql } from 'drizzle-orm';
import { index, integer, jsonb, numeric, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, money, tstz, updatedAt, firmIsolation } from './columns.ts';
import { contact } from './contact.ts';
import { appUser } from './firm.ts';

export const handoffStatusEnum = pgEnum('handoff_status', CASE_STATUSES);

export type AgencyDelivery = { method: 'webhook'; url: string } | { method: 'email'; to: string[] };

export const agency = pgTable(
  'agency',
  {
    id: id(),
    firmId: firmRef(),
    name: text('name').notNull(),
    contactEmail: text('contact_email'),
    delivery: jsonb('delivery').$type<AgencyDelivery>().notNull(),
    /** Encrypted HMAC secret for signed deliveries and callbacks. */
    secret: text('secret_enc'),
    commissionRate: numeric('commission_rate', { precision: 6, scale: 4, mode: 'string' }),
    minAmount: money('min_amount'),
    fieldAllowList: text('field_allow_list').array().notNull().default([]),
    dpaReference: text('dpa_reference'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [firmIsolation(t.firmId), index('agency_firm_idx').on(t.firmId)],
);

/** A collection case: the packet is a snapshot taken at approval and never edited afterwards. */
export const handoff = pgTable(
  'handoff',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contact.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id').references(() => agency.id, { onDelete: 'set null' }),
    status: handoffStatusEnum('status').notNull().default('pending_approval'),
    invoiceIds: uuid('invoice_ids').array().notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    packet: jsonb('packet').$type<unknown>(),
    recoveredAmount: money('recovered_amount').notNull().default('0'),
    commissionAmount: money('commission_amount').notNull().default('0'),
    reason: text('reason'),
    approvedBy: uuid('approved_by').references(() => appUser.id, { onDelete: 'set null' }),
    approvedAt: tstz('approved_at'),
    sentAt: tstz('sent_at'),
    /** Short reference quoted to the debtor and the agency (e.g. OD-7K2M9Q). */
    reference: text('reference'),
    /** How the case arose: a rule, a cadence's hand-off step, or a person. */
    origin: text('origin').notNull().default('user'),
    /** The agency's own case number, once it tells us. */
    agencyRef: text('agency_ref'),
    deliveryAttempts: integer('delivery_attempts').notNull().default(0),
    /** Set when approved and not yet delivered: the next delivery attempt. */
    nextAttemptAt: tstz('next_attempt_at'),
    lastError: text('last_error'),
    endedAt: tstz('ended_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    index('handoff_ledger_idx').on(t.ledgerId, t.status),
    index('handoff_delivery_idx').on(t.nextAttemptAt),
    // One live case per customer and currency: rules running twice cannot open a second one.
    uniqueIndex('handoff_active_uq')
      .on(t.contactId, t.currency)
      .where(sql`status in ('pending_approval', 'sent', 'acknowledged', 'collecting')`),
  ],
);

export const handoffEvent = pgTable(
  'handoff_event',
  {
    id: id(),
    firmId: firmRef(),
    handoffId: uuid('handoff_id')
      .notNull()
      .references(() => handoff.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    data: jsonb('data').$type<unknown>(),
    /** The agency's delivery id for callbacks: a retried callback is recorded once. */
    dedupeKey: text('dedupe_key'),
    at: createdAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    index('handoff_event_case_idx').on(t.handoffId, t.at),
    uniqueIndex('handoff_event_dedupe_uq').on(t.handoffId, t.dedupeKey),
  ],
);
