import { boolean, index, jsonb, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { connection, providerEnum } from './connection.ts';
import { createdAt, id, tstz, updatedAt, firmIsolation } from './columns.ts';
import { firm } from './firm.ts';

export const ledgerStatusEnum = pgEnum('ledger_status', ['active', 'needs_reconnect', 'disconnected']);

/** One Xero organisation, one QuickBooks realm, or the demo ledger. */
export const ledger = pgTable(
  'ledger',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firm.id, { onDelete: 'cascade' }),
    connectionId: uuid('connection_id').references(() => connection.id, { onDelete: 'set null' }),
    provider: providerEnum('provider').notNull(),
    /** Xero tenantId, QuickBooks realmId, or the demo seed. */
    externalId: text('external_id').notNull(),
    name: text('name').notNull(),
    legalName: text('legal_name'),
    baseCurrency: text('base_currency').notNull(),
    timezone: text('timezone').notNull(),
    country: text('country'),
    status: ledgerStatusEnum('status').notNull().default('active'),
    /** Why the ledger is not active, in words an owner can act on (shown with the Reconnect prompt). */
    statusReason: text('status_reason'),
    statusChangedAt: tstz('status_changed_at'),
    /**
     * The provider refuses calls for this ledger until then (a daily call limit): syncs, webhook
     * reads and reminders wait for it instead of failing; shown on the ledger page.
     */
    pausedUntil: tstz('paused_until'),
    pauseReason: text('pause_reason'),
    /** New ledgers queue reminders for approval until the user turns this off. */
    safeMode: boolean('safe_mode').notNull().default(true),
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('ledger_provider_external_uq').on(t.firmId, t.provider, t.externalId),
    index('ledger_external_idx').on(t.provider, t.externalId),
  ],
);
