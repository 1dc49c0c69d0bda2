import { date, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { money, firmIsolation } from './columns.ts';
import { mirrorColumns } from './mirror-columns.ts';
import type { Allocation } from './payment.ts';

export const creditNote = pgTable(
  'credit_note',
  {
    ...mirrorColumns(),
    contactExternalId: text('contact_external_id'),
    number: text('number'),
    status: text('status').notNull(),
    date: date('date', { mode: 'string' }).notNull(),
    currency: text('currency').notNull(),
    total: money('total').notNull(),
    remaining: money('remaining').notNull().default('0'),
    allocations: jsonb('allocations').$type<Allocation[]>().notNull().default([]),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('credit_note_ledger_external_uq').on(t.ledgerId, t.externalId),
    index('credit_note_contact_idx').on(t.ledgerId, t.contactExternalId),
  ],
);
