import { firmRef } from './refs.ts';
import { index, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { providerEnum } from './connection.ts';
import { createdAt, tstz, firmIsolation } from './columns.ts';
import { appUser, firm } from './firm.ts';

/** Browser sessions. Only the SHA-256 of the cookie value is stored. */
export const session = pgTable(
  'session',
  {
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => appUser.id, { onDelete: 'cascade' }),
    firmId: firmRef(),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at').notNull(),
  },
  (t) => [firmIsolation(t.firmId), index('session_user_idx').on(t.userId)],
);

/**
 * One consent attempt: single use, bound to the session that started it, short-lived. The PKCE
 * verifier is encrypted (AAD = the state id).
 */
export const oauthState = pgTable(
  'oauth_state',
  {
    id: text('id').primaryKey(),
    sessionId: text('session_id').notNull(),
    /** The firm a connect consent adds ledgers to; none for a sign-in. */
    firmId: uuid('firm_id').references(() => firm.id, { onDelete: 'cascade' }),
    /** connect: add ledgers to a firm; signin: identify a person. */
    purpose: text('purpose').notNull().default('connect'),
    /** Where a sign-in goes afterwards (a same-site path). */
    next: text('next'),
    provider: providerEnum('provider').notNull(),
    codeVerifier: text('code_verifier_enc').notNull(),
    createdAt: createdAt(),
    expiresAt: tstz('expires_at').notNull(),
    usedAt: tstz('used_at'),
  },
  (t) => [firmIsolation(t.firmId)],
);
