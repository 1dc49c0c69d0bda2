import { firmIsolation } from './columns.ts';
import { index, jsonb, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { mirrorColumns } from './mirror-columns.ts';

export type ContactPerson = { name?: string; email: string; role?: string; includeInEmails?: boolean };
export type PostalAddress = {
  kind?: string;
  lines: string[];
  city?: string;
  region?: string;
  postalCode?: string;
  country?: string;
};

export const contact = pgTable(
  'contact',
  {
    ...mirrorColumns(),
    name: text('name').notNull(),
    legalName: text('legal_name'),
    email: text('email'),
    people: jsonb('people').$type<ContactPerson[]>().notNull().default([]),
    phone: text('phone'),
    /** IANA zone; unknown falls back to the ledger's zone, never the server's. */
    timezone: text('timezone'),
    country: text('country'),
    addresses: jsonb('addresses').$type<PostalAddress[]>().notNull().default([]),
    taxNumber: text('tax_number'),
    companyNumber: text('company_number'),
    status: text('status').notNull().default('active'),
    /** A QuickBooks job's parent customer (its address is the fallback when the job has none). */
    parentExternalId: text('parent_external_id'),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('contact_ledger_external_uq').on(t.ledgerId, t.externalId),
    index('contact_firm_idx').on(t.firmId),
  ],
);
