import { firmRef } from './refs.ts';
import { index, integer, pgEnum, pgTable, text } from 'drizzle-orm/pg-core';
import { createdAt, id, tstz, updatedAt, firmIsolation } from './columns.ts';
import { PROVIDERS_ALL } from '../../../connectors/types.ts';

export const providerEnum = pgEnum('provider', PROVIDERS_ALL);
export const connectionStatusEnum = pgEnum('connection_status', ['active', 'needs_reconnect', 'disconnected']);

/**
 * One provider grant. Tokens are AES-256-GCM ciphertexts (see src/lib/token-cipher.ts) whose
 * associated data is this row's id, so a token copied into another row fails to decrypt.
 * Refreshes are serialised by locking this row (SELECT ... FOR UPDATE) and re-reading it.
 */
export const connection = pgTable(
  'connection',
  {
    id: id(),
    firmId: firmRef(),
    provider: providerEnum('provider').notNull(),
    /** Provider-side identity of the grant (Xero user/auth-event id, Intuit sub). */
    externalId: text('external_id'),
    status: connectionStatusEnum('status').notNull().default('active'),
    accessToken: text('access_token_enc'),
    refreshToken: text('refresh_token_enc'),
    keyId: text('key_id'),
    scopes: text('scopes').array().notNull().default([]),
    accessExpiresAt: tstz('access_expires_at'),
    refreshExpiresAt: tstz('refresh_expires_at'),
    /** Intuit's 5-year cap (x_refresh_token_hard_expires_in). */
    refreshHardExpiresAt: tstz('refresh_hard_expires_at'),
    /** The nearest warning sent before that cap (30, then 7 days); cleared by a later cap. */
    hardExpiryWarnedDays: integer('hard_expiry_warned_days'),
    lastRefreshedAt: tstz('last_refreshed_at'),
    refreshCount: integer('refresh_count').notNull().default(0),
    lastError: text('last_error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [firmIsolation(t.firmId), index('connection_firm_idx').on(t.firmId)],
);
