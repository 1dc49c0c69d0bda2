import { WEBHOOK_STATUSES } from '../../domain/statuses.ts';
import { getTableColumns, sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, id, key, tstz } from './columns.ts';
import { providerEnum } from './connection.ts';

export const webhookStatusEnum = pgEnum('webhook_status', WEBHOOK_STATUSES);

/**
 * A signed delivery exactly as it arrived (bytes and headers), committed before the provider gets
 * its 2xx, when its body is not one event's own: a body several events share (kept once, each
 * event points to it) or one that made no sense (quarantined, no events). A delivery of one event
 * keeps its bytes on the event row. Identical bytes are one delivery: a retry adds nothing.
 */
export const webhookDelivery = pgTable(
  'webhook_delivery',
  {
    id: id(),
    provider: providerEnum('provider').notNull(),
    bodySha256: key('body_sha256').notNull(),
    rawBody: bytea('raw_body').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    eventCount: integer('event_count').notNull().default(0),
    /** 'received' when its events were parsed; 'quarantined' (with error) when the body made no sense. */
    status: webhookStatusEnum('status').notNull().default('received'),
    error: text('error'),
  },
  (t) => [
    uniqueIndex('webhook_delivery_body_uq').on(t.provider, t.bodySha256),
    index('webhook_delivery_status_idx').on(t.status, t.receivedAt),
  ],
);

/**
 * The inbox: one row per provider event, deduplicated on a key derived from the event, processed
 * asynchronously. `account_ref` is the Xero tenant or QuickBooks realm. An event for an account no
 * active ledger is connected to is stored already settled (`ignored`, with the reason) and never
 * acted on; processing resolves the ledger again, as it may have been disconnected since.
 */
export const webhookEvent = pgTable(
  'webhook_event',
  {
    id: id(),
    /** The delivery holding the bytes this event shares with others; null when they are on this row. */
    deliveryId: uuid('delivery_id').references(() => webhookDelivery.id, { onDelete: 'cascade' }),
    /**
     * The bytes and kept headers of the delivery, when this event was all it carried: the common
     * delivery is one event, and one row per delivery is what the webhook hot path can afford.
     */
    rawBody: bytea('raw_body'),
    headers: jsonb('headers').$type<Record<string, string>>(),
    provider: providerEnum('provider').notNull(),
    dedupeKey: key('dedupe_key').notNull(),
    accountRef: key('account_ref').notNull(),
    /** Provider entity name as sent (INVOICE, Invoice, qbo.invoice…) normalised to lower case. */
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    operation: text('operation').notNull(),
    occurredAt: tstz('occurred_at'),
    /**
     * The event as the provider sent it. Null when the row carries its delivery's bytes: the event
     * is then the whole body, and is read from it (webhooks/payload.ts) instead of stored twice.
     */
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    status: webhookStatusEnum('status').notNull().default('received'),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: tstz('next_attempt_at').notNull().defaultNow(),
    error: text('error'),
    processedAt: tstz('processed_at'),
  },
  (t) => [
    // Every event keeps the bytes it came in: on its own row or in its delivery's.
    check(
      'webhook_event_bytes_ck',
      sql`${t.deliveryId} is not null or (${t.rawBody} is not null and ${t.headers} is not null)`,
    ),
    check('webhook_event_payload_ck', sql`${t.payload} is not null or ${t.rawBody} is not null`),
    uniqueIndex('webhook_event_dedupe_uq').on(t.provider, t.dedupeKey),
    // Retries and dead letters only (the sweep, requeue-dead, listing them): an index over every
    // status took an entry on each receipt and each settling for queries that never used it.
    index('webhook_event_trouble_idx').on(t.status, t.nextAttemptAt).where(sql`${t.status} in ('failed', 'dead')`),
    // The processing job's queue: one account's pending events in arrival order. Partial, so it
    // holds only the backlog, a job reads its next 200 without sorting the whole backlog, and a
    // settled event leaves it (replaces an index on (provider, account_ref, status)).
    // The events of a shared delivery: purging a delivery once its events are gone, and its
    // cascade. Partial: a one-event delivery (nearly all) keeps its bytes here and has none.
    index('webhook_event_delivery_idx').on(t.deliveryId).where(sql`${t.deliveryId} is not null`),
    index('webhook_event_pending_idx')
      .on(t.provider, t.accountRef, t.receivedAt, t.id)
      .where(sql`${t.status} in ('received', 'failed')`),
  ],
);

const { rawBody: _rawBody, headers: _headers, ...eventFields } = getTableColumns(webhookEvent);
/** An event's columns without the delivery bytes it may carry: what processing and listings read. */
export const webhookEventFields = eventFields;
