import { firmRef, ledgerRef } from './refs.ts';
import {
  boolean,
  date,
  index,
  integer,
  jsonb,
  numeric,
  pgEnum,
  pgTable,
  text,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt, id, money, tstz, firmIsolation } from './columns.ts';
import { ledger } from './ledger.ts';

export const riskSubjectEnum = pgEnum('risk_subject', ['contact', 'invoice']);
export const riskBandEnum = pgEnum('risk_band', ['low', 'medium', 'high']);

export type RiskReason = { code: string; text: string; weight: number };

export const riskScore = pgTable(
  'risk_score',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    subjectType: riskSubjectEnum('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    pLate: numeric('p_late', { precision: 5, scale: 4, mode: 'string' }).notNull(),
    pVeryLate: numeric('p_very_late', { precision: 5, scale: 4, mode: 'string' }).notNull(),
    pSevere: numeric('p_severe', { precision: 5, scale: 4, mode: 'string' }).notNull(),
    band: riskBandEnum('band').notNull(),
    predictedPayDate: date('predicted_pay_date', { mode: 'string' }),
    // The 10–90 % range around the predicted pay date, and the chance of payment within 90 days.
    payDateFrom: date('pay_date_from', { mode: 'string' }),
    payDateTo: date('pay_date_to', { mode: 'string' }),
    pPaidWithin90: numeric('p_paid_within_90', { precision: 5, scale: 4, mode: 'string' }),
    reasons: jsonb('reasons').$type<RiskReason[]>().notNull(),
    modelVersion: text('model_version').notNull(),
    computedAt: tstz('computed_at').notNull(),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('risk_score_subject_uq').on(t.subjectType, t.subjectId),
    index('risk_score_ledger_idx').on(t.ledgerId, t.subjectType, t.pLate),
  ],
);

/**
 * The ledger's fitted model (coefficients and priors), refitted by the full rescoring job, so
 * incremental rescoring of one contact reuses it instead of refitting on every webhook.
 */
export const riskModel = pgTable(
  'risk_model',
  {
    ledgerId: uuid('ledger_id')
      .primaryKey()
      .references(() => ledger.id, { onDelete: 'cascade' }),
    firmId: firmRef(),
    version: text('version').notNull(),
    params: jsonb('params').$type<unknown>().notNull(),
    fittedAt: tstz('fitted_at').notNull(),
  },
  (t) => [firmIsolation(t.firmId)],
);

/** One CSV import of older invoice history (e.g. from before the ledger moved to this provider). */
export const historyImport = pgTable(
  'history_import',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    filename: text('filename'),
    rows: integer('rows').notNull(),
    createdBy: uuid('created_by'),
    createdAt: createdAt(),
  },
  (t) => [firmIsolation(t.firmId)],
);

/**
 * Imported invoice history. Used only for risk scoring, never chased; an invoice the mirror
 * also has is taken from the mirror (the ledger is the source of truth).
 */
export const historyInvoice = pgTable(
  'history_invoice',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    importId: uuid('import_id')
      .notNull()
      .references(() => historyImport.id, { onDelete: 'cascade' }),
    customerRef: text('customer_ref').notNull(),
    invoiceRef: text('invoice_ref').notNull(),
    issueDate: date('issue_date', { mode: 'string' }).notNull(),
    dueDate: date('due_date', { mode: 'string' }).notNull(),
    amount: money('amount').notNull(),
    currency: text('currency'),
    paidDate: date('paid_date', { mode: 'string' }),
    disputed: boolean('disputed').notNull().default(false),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('history_invoice_ledger_ref_uq').on(t.ledgerId, t.invoiceRef),
    index('history_invoice_customer_idx').on(t.ledgerId, t.customerRef),
  ],
);
