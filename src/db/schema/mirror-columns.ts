import { firmRef, ledgerRef } from './refs.ts';
import { jsonb, text } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './columns.ts';

/**
 * Columns every mirror row carries. Rows are keyed (ledger_id, external_id); the provider's own
 * updated timestamp decides which of two versions wins, so an older update never overwrites a newer.
 */
export const mirrorColumns = () => ({
  id: id(),
  firmId: firmRef(),
  ledgerId: ledgerRef(),
  externalId: text('external_id').notNull(),
  providerUpdatedAt: tstz('provider_updated_at').notNull(),
  raw: jsonb('raw').$type<unknown>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
