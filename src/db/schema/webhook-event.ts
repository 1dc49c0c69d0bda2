import { index, integer, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { bytea, id, tstz } from './columns.ts';
import { providerEnum } from './connection.ts';
import { firm } from './firm.ts';
import { ledger } from './ledger.ts';

export const webhookStatusEnum = pgEnum('webhook_status', [
  'received',
  'processing',
  'processed',
  'ignored',
  'quarantined',
  'failed',
  'dead',
]);

/**
 * The durable inbox: a delivery is committed here before the provider gets its 2xx.
 * firm_id/ledger_id are null when the tenant is unknown (kept, logged, never processed).
 */
export const webhookEvent = pgTable(
  'webhook_event',
  {
    id: id(),
    firmId: uuid('firm_id').references(() => firm.id, { onDelete: 'cascade' }),
    ledgerId: uuid('ledger_id').references(() => ledger.id, { onDelete: 'cascade' }),
    provider: providerEnum('provider').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    rawBody: bytea('raw_body').notNull(),
    headers: jsonb('headers').$type<Record<string, string>>().notNull(),
    receivedAt: tstz('received_at').notNull().defaultNow(),
    status: webhookStatusEnum('status').notNull().default('received'),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    processedAt: tstz('processed_at'),
  },
  (t) => [
    uniqueIndex('webhook_event_dedupe_uq').on(t.provider, t.dedupeKey),
    index('webhook_event_status_idx').on(t.status, t.receivedAt),
  ],
);
