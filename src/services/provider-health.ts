import { and, eq, like, max, sql } from 'drizzle-orm';
import { moduleOf } from '../../connectors/registry.ts';
import type { Db } from '../db/client.ts';
import { connection } from '../db/schema/index.ts';

/** How tokens.ts records a token endpoint's refusal of this app (not of the customer's grant). */
export const MISCONFIGURED = 'misconfigured:';

/**
 * Providers refusing this service's own app credentials (a rotated client secret): the operator's
 * to fix, shown by /readyz. Cleared on a connection as soon as one of its refreshes succeeds.
 */
export async function refusedCredentials(db: Db) {
  const rows = await db
    .select({
      provider: connection.provider,
      connections: sql<number>`count(*)::int`,
      since: max(connection.updatedAt),
    })
    .from(connection)
    .where(and(eq(connection.status, 'active'), like(connection.lastError, `${MISCONFIGURED}%`)))
    .groupBy(connection.provider);
  return rows.map((r) => ({
    provider: r.provider,
    connections: Number(r.connections),
    since: r.since ? new Date(r.since).toISOString() : null,
    problem: `${moduleOf(r.provider)?.label ?? r.provider} refuses this service's app credentials: check its client id and secret`,
  }));
}

/** What a ledger's users see while the provider refuses the service (nothing for them to do). */
export function credentialsNotice(provider: string, lastError: string | null): string | null {
  if (!lastError?.startsWith(MISCONFIGURED)) return null;
  const label = moduleOf(provider)?.label ?? provider;
  return `${label} is refusing this service's app credentials, so syncing waits; the service's operator is alerted. Your connection is fine: nothing to do on your side.`;
}
