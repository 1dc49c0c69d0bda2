import { firmRef, ledgerRef } from './refs.ts';
import { boolean, date, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, money, tstz, updatedAt, firmIsolation } from './columns.ts';
import { contact } from './contact.ts';
import { invoice } from './invoice.ts';

/** A customer's credit limit as set by a person (suggestions are computed, never stored). */
export const creditLimit = pgTable(
  'credit_limit',
  {
    contactId: uuid('contact_id')
      .primaryKey()
      .references(() => contact.id, { onDelete: 'cascade' }),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    amount: money('amount').notNull(),
    updatedAt: updatedAt(),
  },
  (t) => [firmIsolation(t.firmId)],
);

/** A new invoice that broke the credit policy: over the limit, for a high-risk or handed-off customer. */
export const creditAlert = pgTable(
  'credit_alert',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contact.id, { onDelete: 'cascade' }),
    invoiceId: uuid('invoice_id')
      .notNull()
      .references(() => invoice.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('credit_alert_invoice_kind_uq').on(t.invoiceId, t.kind),
    index('credit_alert_ledger_idx').on(t.ledgerId, t.createdAt),
  ],
);

/** The 13-week forecast as made on a day, kept so it can be compared with what arrived. */
export const forecastSnapshot = pgTable(
  'forecast_snapshot',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    asOf: date('as_of', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    weeks: jsonb('weeks').$type<{ weekStart: string; low: string; expected: string; high: string }[]>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [firmIsolation(t.firmId), uniqueIndex('forecast_ledger_day_uq').on(t.ledgerId, t.asOf)],
);

/** A firm's own endpoint for outbound events (Standard Webhooks signed). */
export const webhookEndpoint = pgTable(
  'webhook_endpoint',
  {
    id: id(),
    firmId: firmRef(),
    url: text('url').notNull(),
    secret: text('secret_enc').notNull(),
    events: text('events').array().notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (t) => [firmIsolation(t.firmId), index('webhook_endpoint_firm_idx').on(t.firmId)],
);

/** One event for one endpoint, with its delivery attempts (the delivery log). */
export const outboundDelivery = pgTable(
  'outbound_delivery',
  {
    id: id(),
    firmId: firmRef(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoint.id, { onDelete: 'cascade' }),
    type: text('type').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status').notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at'),
    lastStatus: integer('last_status'),
    lastError: text('last_error'),
    deliveredAt: tstz('delivered_at'),
    createdAt: createdAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    index('outbound_delivery_due_idx').on(t.nextAttemptAt),
    index('outbound_delivery_endpoint_idx').on(t.endpointId, t.createdAt),
  ],
);
