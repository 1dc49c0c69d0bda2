import { index, jsonb, numeric, pgEnum, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, money, tstz, updatedAt } from './columns.ts';
import { contact } from './contact.ts';
import { appUser, firm } from './firm.ts';
import { ledger } from './ledger.ts';

export const handoffStatusEnum = pgEnum('handoff_status', [
  'pending_approval',
  'sent',
  'acknowledged',
  'collecting',
  'recovered',
  'closed',
  'recalled',
]);

export type AgencyDelivery =
  | { method: 'webhook'; url: string }
  | { method: 'email'; to: string[] };

export const agency = pgTable(
  'agency',
  {
    id: id(),
    firmId: uuid('firm_id').notNull().references(() => firm.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    contactEmail: text('contact_email'),
    delivery: jsonb('delivery').$type<AgencyDelivery>().notNull(),
    /** Encrypted HMAC secret for signed deliveries and callbacks. */
    secret: text('secret_enc'),
    commissionRate: numeric('commission_rate', { precision: 6, scale: 4, mode: 'string' }),
    minAmount: money('min_amount'),
    fieldAllowList: text('field_allow_list').array().notNull().default([]),
    dpaReference: text('dpa_reference'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('agency_firm_idx').on(t.firmId)],
);

/** A collection case: the packet is a snapshot taken at approval and never edited afterwards. */
export const handoff = pgTable(
  'handoff',
  {
    id: id(),
    firmId: uuid('firm_id').notNull().references(() => firm.id, { onDelete: 'cascade' }),
    ledgerId: uuid('ledger_id').notNull().references(() => ledger.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id').notNull().references(() => contact.id, { onDelete: 'cascade' }),
    agencyId: uuid('agency_id').references(() => agency.id, { onDelete: 'set null' }),
    status: handoffStatusEnum('status').notNull().default('pending_approval'),
    invoiceIds: uuid('invoice_ids').array().notNull(),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    packet: jsonb('packet').$type<unknown>(),
    recoveredAmount: money('recovered_amount').notNull().default('0'),
    commissionAmount: money('commission_amount').notNull().default('0'),
    reason: text('reason'),
    approvedBy: uuid('approved_by').references(() => appUser.id, { onDelete: 'set null' }),
    approvedAt: tstz('approved_at'),
    sentAt: tstz('sent_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('handoff_ledger_idx').on(t.ledgerId, t.status)],
);

export const handoffEvent = pgTable(
  'handoff_event',
  {
    id: id(),
    firmId: uuid('firm_id').notNull().references(() => firm.id, { onDelete: 'cascade' }),
    handoffId: uuid('handoff_id').notNull().references(() => handoff.id, { onDelete: 'cascade' }),
    kind: text('kind').notNull(),
    data: jsonb('data').$type<unknown>(),
    at: createdAt(),
  },
  (t) => [index('handoff_event_case_idx').on(t.handoffId, t.at)],
);
