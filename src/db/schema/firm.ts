import { index, pgEnum, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt, firmIsolation } from './columns.ts';

export const roleEnum = pgEnum('member_role', ['owner', 'admin', 'member', 'viewer']);

/** A business, or a bookkeeping practice that manages many client ledgers. */
export const firm = pgTable(
  'firm',
  {
    id: id(),
    name: text('name').notNull(),
    legalName: text('legal_name'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [firmIsolation(t.id)],
);

export const appUser = pgTable(
  'app_user',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('app_user_email_uq').on(t.email)],
);

export const membership = pgTable(
  'membership',
  {
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firm.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => appUser.id, { onDelete: 'cascade' }),
    role: roleEnum('role').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    primaryKey({ columns: [t.firmId, t.userId] }),
    index('membership_user_idx').on(t.userId),
  ],
);

/** API tokens are stored as SHA-256 hashes; the plaintext is shown once at creation. */
export const apiToken = pgTable(
  'api_token',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firm.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    scopes: text('scopes').array().notNull().default([]),
    createdBy: uuid('created_by').references(() => appUser.id, { onDelete: 'set null' }),
    lastUsedAt: tstz('last_used_at'),
    revokedAt: tstz('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('api_token_hash_uq').on(t.tokenHash),
    index('api_token_firm_idx').on(t.firmId),
  ],
);

/** An invitation by email link: single use, expires, stored as a hash of its token. */
export const invite = pgTable(
  'invite',
  {
    id: id(),
    firmId: uuid('firm_id')
      .notNull()
      .references(() => firm.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: roleEnum('role').notNull(),
    ledgerIds: uuid('ledger_ids').array().notNull().default([]),
    tokenHash: text('token_hash').notNull(),
    createdBy: uuid('created_by').references(() => appUser.id, { onDelete: 'set null' }),
    expiresAt: tstz('expires_at').notNull(),
    acceptedAt: tstz('accepted_at'),
    acceptedBy: uuid('accepted_by').references(() => appUser.id, { onDelete: 'set null' }),
    revokedAt: tstz('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [
    firmIsolation(t.firmId),
    uniqueIndex('invite_token_uq').on(t.tokenHash),
    index('invite_firm_idx').on(t.firmId),
  ],
);

/** A sign-in identity at Xero or Intuit (the OpenID subject), linked to one user. */
export const userIdentity = pgTable(
  'user_identity',
  {
    provider: text('provider').notNull(),
    subject: text('subject').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => appUser.id, { onDelete: 'cascade' }),
    email: text('email'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.subject] }), index('user_identity_user_idx').on(t.userId)],
);
