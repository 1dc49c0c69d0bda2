import { firmRef, ledgerRef } from './refs.ts';
import { firmIsolation } from './columns.ts';
import { pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { appUser } from './firm.ts';

/** A member's ledgers: a member acts only on these (owners, admins and viewers are firm-wide). */
export const membershipLedger = pgTable(
  'membership_ledger',
  {
    firmId: firmRef(),
    userId: uuid('user_id')
      .notNull()
      .references(() => appUser.id, { onDelete: 'cascade' }),
    ledgerId: ledgerRef(),
  },
  (t) => [firmIsolation(t.firmId), primaryKey({ columns: [t.firmId, t.userId, t.ledgerId] })],
);
