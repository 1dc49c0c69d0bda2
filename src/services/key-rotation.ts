import { eq, isNotNull, and, not, like } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { agency, connection, webhookEndpoint } from '../db/schema/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';

/**
 * Key rotation, as the README describes it: put the new key first, restart, and every secret is
 * re-encrypted under it (this), then drop the old key. Without this step the old key could not
 * be dropped: provider tokens, agency secrets and outbound-webhook secrets sealed under it would
 * no longer open. Rows already under the first key are not touched; a secret no key in the ring
 * opens is left as it is and reported (it fails closed where it is used).
 */
export async function rewrapSecrets(db: Db, cipher: TokenCipher, logger: Logger) {
  const current = `v1.${cipher.primaryKeyId}.%`;
  const counts = { connections: 0, agencies: 0, endpoints: 0, unreadable: 0 };
  const rewrap = async (value: string, rowId: string) => {
    try {
      return await cipher.rewrap(value, rowId);
    } catch {
      counts.unreadable++;
      return undefined;
    }
  };

  const conns = await db
    .select({ id: connection.id, access: connection.accessToken, refresh: connection.refreshToken })
    .from(connection)
    .where(and(isNotNull(connection.refreshToken), not(like(connection.refreshToken, current))));
  for (const c of conns) {
    const access = c.access ? await rewrap(c.access, c.id) : null;
    const refresh = await rewrap(c.refresh!, c.id);
    if (refresh === undefined || access === undefined) continue;
    await db
      .update(connection)
      .set({ accessToken: access, refreshToken: refresh, keyId: cipher.primaryKeyId })
      .where(eq(connection.id, c.id));
    counts.connections++;
  }

  for (const [table, key] of [
    [agency, 'agencies'],
    [webhookEndpoint, 'endpoints'],
  ] as const) {
    const rows = await db
      .select({ id: table.id, secret: table.secret })
      .from(table)
      .where(and(isNotNull(table.secret), not(like(table.secret, current))));
    for (const r of rows) {
      const secret = await rewrap(r.secret!, r.id);
      if (secret === undefined) continue;
      await db.update(table).set({ secret }).where(eq(table.id, r.id));
      counts[key]++;
    }
  }
  if (counts.connections + counts.agencies + counts.endpoints > 0)
    logger.info('secrets re-encrypted under the first key', { keyId: cipher.primaryKeyId, ...counts });
  if (counts.unreadable > 0)
    logger.error('secrets no key opens: reconnect or re-enter them', { unreadable: counts.unreadable });
  return counts;
}
