import { date, index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { money, firmIsolation } from './columns.ts';
import { mirrorColumns } from './mirror-columns.ts';

/** How a payment or credit is split across invoices (QuickBooks payments can settle several). */
export type Allocation = { invoiceExternalId: string; amount: string };

export const payment = pgTable(
  'payment',
  {
    ...mirrorColumns(),
    contactExternalId: text('contact_external_id'),
    date: date('date', { mode: 'string' }).notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status').notNull().default('active'),
    allocations: jsonb('allocations').$type<Allocation[]>().notNull().default([]),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('payment_ledger_external_uq').on(t.ledgerId, t.externalId),
    index('payment_contact_idx').on(t.ledgerId, t.contactExternalId),
  ],
);
