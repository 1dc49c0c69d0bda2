import { jsonb, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt } from './columns.ts';
import { firm } from './firm.ts';
import { ledger } from './ledger.ts';

/**
 * Columns every mirror row carries. Rows are keyed (ledger_id, external_id); the provider's own
 * updated timestamp decides which of two versions wins, so an older update never overwrites a newer.
 */
export const mirrorColumns = () => ({
  id: id(),
  firmId: uuid('firm_id')
    .notNull()
    .references(() => firm.id, { onDelete: 'cascade' }),
  ledgerId: uuid('ledger_id')
    .notNull()
    .references(() => ledger.id, { onDelete: 'cascade' }),
  externalId: text('external_id').notNull(),
  providerUpdatedAt: tstz('provider_updated_at').notNull(),
  raw: jsonb('raw').$type<unknown>(),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});
