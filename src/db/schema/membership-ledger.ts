import { firmIsolation } from './columns.ts';
import { pgTable, primaryKey, uuid } from 'drizzle-orm/pg-core';
import { appUser, firm } from './firm.ts';
import { ledger } from './ledger.ts';

/** A member's ledgers: a member acts only on these (owners, admins and viewers are firm-wide). */
export const membershipLedger = pgTable(
  'membership_ledger',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firm.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => appUser.id, { onDelete: 'cascade' }),
    ledgerId: uuid('ledger_id')
      .notNull()
      .references(() => ledger.id, { onDelete: 'cascade' }),
  },
  (t) => [firmIsolation(t.firmId), primaryKey({ columns: [t.firmId, t.userId, t.ledgerId] })],
);
