import { firmRef, ledgerRef } from './refs.ts';
import { boolean, date, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt, firmIsolation } from './columns.ts';
import { contact } from './contact.ts';
import { invoice } from './invoice.ts';
import { ledger } from './ledger.ts';

import type { SendWindow, Step as CadenceStep } from '../../domain/cadence/policy.ts';

/** Firm default (ledger_id null), per-ledger policies, and named policies assigned to contacts. */
export const cadencePolicy = pgTable(
  'cadence_policy',
  {
    id: id(),
    firmId: firmRef(),
    ledgerId: uuid('ledger_id').references(() => ledger.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    isDefault: boolean('is_default').notNull().default(false),
    steps: jsonb('steps').$type<CadenceStep[]>().notNull(),
    repeatLast: jsonb('repeat_last').$type<{ everyDays: number; max: number } | null>(),
    sendWindow: jsonb('send_window').$type<SendWindow>(),
    frequencyCap: jsonb('frequency_cap').$type<{ max: number; perDays: number }>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [firmIsolation(t.firmId), index('cadence_policy_scope_idx').on(t.firmId, t.ledgerId)],
);

/** Per-contact collection controls: policy override, pause, opt-out, exclusion. */
export const contactState = pgTable(
  'contact_state',
  {
    contactId: uuid('contact_id')
      .primaryKey()
      .references(() => contact.id, { onDelete: 'cascade' }),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    policyId: uuid('policy_id').references(() => cadencePolicy.id, { onDelete: 'set null' }),
    pausedUntil: tstz('paused_until'),
    excluded: boolean('excluded').notNull().default(false),
    optedOutAt: tstz('opted_out_at'),
    updatedAt: updatedAt(),
  },
  (t) => [firmIsolation(t.firmId)],
);

/**
 * The links in reminders that let a debtor opt out without signing in: one per message, kept only
 * as the SHA-256 digest of its secret, so the database alone opens no link. Every link a contact
 * was ever sent keeps working.
 */
export const optOutLink = pgTable(
  'opt_out_link',
  {
    digest: text('digest').primaryKey(),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contact.id, { onDelete: 'cascade' }),
    firmId: firmRef(),
    createdAt: createdAt(),
  },
  (t) => [firmIsolation(t.firmId), index('opt_out_link_contact_idx').on(t.contactId)],
);

export type Instalment = { dueDate: string; amount: string };

/** Per-invoice collection state: dispute, promise-to-pay, payment plan, exclusion, handoff. */
export const collectionState = pgTable(
  'collection_state',
  {
    invoiceId: uuid('invoice_id')
      .primaryKey()
      .references(() => invoice.id, { onDelete: 'cascade' }),
    firmId: firmRef(),
    ledgerId: ledgerRef(),
    disputedAt: tstz('disputed_at'),
    disputeReason: text('dispute_reason'),
    promiseToPayUntil: date('promise_to_pay_until', { mode: 'string' }),
    paymentPlan: jsonb('payment_plan').$type<Instalment[] | null>(),
    excluded: boolean('excluded').notNull().default(false),
    handedOffAt: tstz('handed_off_at'),
    updatedAt: updatedAt(),
  },
  (t) => [firmIsolation(t.firmId)],
);
