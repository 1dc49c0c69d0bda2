import { boolean, date, index, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { money, tstz, firmIsolation } from './columns.ts';
import { contact } from './contact.ts';
import { mirrorColumns } from './mirror-columns.ts';

/** Canonical invoice status; drafts and submitted-for-approval invoices are never chased. */
export const invoiceStatusEnum = pgEnum('invoice_status', ['draft', 'submitted', 'open', 'paid', 'voided', 'deleted']);

export const invoice = pgTable(
  'invoice',
  {
    ...mirrorColumns(),
    contactId: uuid('contact_id').references(() => contact.id, { onDelete: 'set null' }),
    contactExternalId: text('contact_external_id').notNull(),
    number: text('number'),
    reference: text('reference'),
    status: invoiceStatusEnum('status').notNull(),
    currency: text('currency').notNull(),
    issueDate: date('issue_date', { mode: 'string' }).notNull(),
    /** Date-only, in the ledger's zone; null when the ledger has none (never chased). */
    dueDate: date('due_date', { mode: 'string' }),
    total: money('total').notNull(),
    amountDue: money('amount_due').notNull(),
    amountPaid: money('amount_paid').notNull().default('0'),
    amountCredited: money('amount_credited').notNull().default('0'),
    onlineUrl: text('online_url'),
    /** When the ledger was last asked for the pay link (it may offer none): asked at most daily. */
    linkCheckedAt: tstz('link_checked_at'),
    /** The ledger's own billing address for this invoice (QuickBooks BillEmail), before the customer's. */
    billEmail: text('bill_email'),
    sentToContact: boolean('sent_to_contact').notNull().default(false),
    /** When the ledger first showed the invoice fully paid (from the paying transaction's date). */
    paidAt: tstz('paid_at'),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('invoice_ledger_external_uq').on(t.ledgerId, t.externalId),
    index('invoice_open_due_idx').on(t.ledgerId, t.status, t.dueDate),
    index('invoice_contact_idx').on(t.ledgerId, t.contactExternalId),
    // Per-customer reads (risk rescoring, replanning, the customer page) go by contact id.
    index('invoice_contact_id_idx').on(t.contactId),
    index('invoice_firm_idx').on(t.firmId),
  ],
);
