import { date, jsonb, numeric, pgEnum, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, tstz } from './columns.ts';
import { firm } from './firm.ts';
import { ledger } from './ledger.ts';

export const riskSubjectEnum = pgEnum('risk_subject', ['contact', 'invoice']);
export const riskBandEnum = pgEnum('risk_band', ['low', 'medium', 'high']);

export type RiskReason = { code: string; text: string; weight: number };

export const riskScore = pgTable(
  'risk_score',
  {
    id: id(),
    firmId: uuid('firm_id').notNull().references(() => firm.id, { onDelete: 'cascade' }),
    ledgerId: uuid('ledger_id').notNull().references(() => ledger.id, { onDelete: 'cascade' }),
    subjectType: riskSubjectEnum('subject_type').notNull(),
    subjectId: uuid('subject_id').notNull(),
    pLate: numeric('p_late', { precision: 5, scale: 4, mode: 'string' }).notNull(),
    pVeryLate: numeric('p_very_late', { precision: 5, scale: 4, mode: 'string' }).notNull(),
    pSevere: numeric('p_severe', { precision: 5, scale: 4, mode: 'string' }).notNull(),
    band: riskBandEnum('band').notNull(),
    predictedPayDate: date('predicted_pay_date', { mode: 'string' }),
    reasons: jsonb('reasons').$type<RiskReason[]>().notNull(),
    modelVersion: text('model_version').notNull(),
    computedAt: tstz('computed_at').notNull(),
  },
  (t) => [uniqueIndex('risk_score_subject_uq').on(t.subjectType, t.subjectId)],
);
