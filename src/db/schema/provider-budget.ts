import { index, pgTable, primaryKey } from 'drizzle-orm/pg-core';
import { id, key, tstz } from './columns.ts';
import { providerEnum } from './connection.ts';

/**
 * A provider's per-tenant call budget shared by every process on one database (Postgres): the
 * pace (GCRA: the theoretical arrival time of the next call) and the calls in flight, each a
 * lease that expires on its own if its process dies. See src/services/shared-limits.ts.
 */
export const providerPace = pgTable(
  'provider_pace',
  {
    provider: providerEnum('provider').notNull(),
    tenant: key('tenant').notNull(),
    tat: tstz('tat').notNull(),
  },
  (t) => [primaryKey({ columns: [t.provider, t.tenant] })],
);

export const providerLease = pgTable(
  'provider_lease',
  {
    id: id(),
    provider: providerEnum('provider').notNull(),
    tenant: key('tenant').notNull(),
    expiresAt: tstz('expires_at').notNull(),
  },
  (t) => [index('provider_lease_tenant_idx').on(t.provider, t.tenant)],
);
