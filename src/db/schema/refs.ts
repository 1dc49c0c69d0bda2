import { uuid } from 'drizzle-orm/pg-core';
import { firm } from './firm.ts';
import { ledger } from './ledger.ts';

/*
 * The firm and ledger a row belongs to, as nearly every table holds them: required, and deleted
 * with their firm or ledger. (firm.ts and ledger.ts write their own: they are what these point
 * at.) Function declarations, not constants: the schema's modules import each other in a cycle
 * (ledger → connection → here), and a declaration is ready before any module body runs.
 */
export function firmRef() {
  return uuid('firm_id')
    .notNull()
    .references(() => firm.id, { onDelete: 'cascade' });
}

export function ledgerRef() {
  return uuid('ledger_id')
    .notNull()
    .references(() => ledger.id, { onDelete: 'cascade' });
}
