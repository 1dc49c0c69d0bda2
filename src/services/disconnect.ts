import { ledgerSettings } from '../domain/ledger-settings.ts';
import { and, eq, ne } from 'drizzle-orm';
import { connection, ledger } from '../db/schema/index.ts';
import { NotFoundError } from '../errors.ts';
import { audit } from './audit.ts';
import { onceCommitted, type ServiceContext } from './context.ts';
import type { Db } from '../db/client.ts';
import type { Integrations } from './integrations.ts';
import { getLedger, purgeLedger } from './ledgers.ts';

type Deps = { integrations: Integrations };
type LedgerRow = typeof ledger.$inferSelect;
type ConnectionRow = typeof connection.$inferSelect;

const REASON = 'disconnected in overdue: connect it again to resume reminders';

/**
 * Disconnects a grant: removes each organisation from it at the provider, revokes the token, and
 * keeps the mirrored data read-only (or purges it when asked). Provider failures are logged, not
 * fatal: the user's intent to leave wins. The provider calls come once the local change has
 * committed: they hold no transaction open, and what they did at the provider is never undone here.
 */
export async function disconnectConnection(
  { ctx, input }: { ctx: ServiceContext; input: { connectionId: string; purge: boolean } },
  deps: Deps,
) {
  const [conn] = await ctx.db
    .select()
    .from(connection)
    .where(and(eq(connection.id, input.connectionId), eq(connection.firmId, ctx.firmId)));
  if (!conn) throw new NotFoundError('connection');
  const ledgers = await ctx.db.select().from(ledger).where(eq(ledger.connectionId, conn.id));
  await onceCommitted(ctx, async (db) => {
    await removeAtProvider(ctx, deps, conn, ledgers);
    await revokeGrant(ctx, db, deps, conn);
  });
  await markDisconnected(ctx, ledgers);
  await audit(ctx, 'connection.disconnected', { type: 'connection', id: conn.id }, { purge: input.purge });
  if (input.purge) for (const l of ledgers) await purgeLedger({ ctx, input: { ledgerId: l.id } });
  return { connectionId: conn.id, ledgers: ledgers.map((l) => l.id), purged: input.purge };
}

/**
 * Disconnects one ledger of a grant that may hold several (a bookkeeper's clients in one Xero
 * consent): only its organisation is removed at the provider (Xero DELETE /connections/{id});
 * the grant is revoked only when it reaches no other active ledger. With `purge`, its mirrored
 * data goes too; either way it stays disconnected, so no sync brings the data back, until the
 * organisation is connected again.
 */
export async function disconnectLedger(
  { ctx, input }: { ctx: ServiceContext; input: { ledgerId: string; purge: boolean } },
  deps: Deps,
) {
  const row = await getLedger(ctx, input.ledgerId);
  let revoked = false;
  if (row.status === 'active' && row.connectionId) {
    const [conn] = await ctx.db.select().from(connection).where(eq(connection.id, row.connectionId));
    if (conn) {
      const others = await ctx.db
        .select({ id: ledger.id })
        .from(ledger)
        .where(and(eq(ledger.connectionId, conn.id), ne(ledger.id, row.id), eq(ledger.status, 'active')));
      revoked = others.length === 0;
      await onceCommitted(ctx, async (db) => {
        await removeAtProvider(ctx, deps, conn, [row]);
        if (revoked) await revokeGrant(ctx, db, deps, conn);
      });
    }
  }
  await markDisconnected(ctx, [row]);
  await audit(ctx, 'ledger.disconnected', { type: 'ledger', id: row.id }, { purge: input.purge, revoked });
  const purged = input.purge ? await purgeLedger({ ctx, input: { ledgerId: row.id } }) : undefined;
  return { ledgerId: row.id, grantRevoked: revoked, purged: purged ?? null };
}

/**
 * Removes the ledgers' tenants from the grant at the provider, where a grant holds several (Xero
 * organisations); a provider with one tenant per grant has nothing to remove: revoking does it.
 */
async function removeAtProvider(ctx: ServiceContext, deps: Deps, conn: ConnectionRow, ledgers: LedgerRow[]) {
  if (conn.provider === 'demo' || conn.status !== 'active') return;
  const port = deps.integrations.ports[conn.provider];
  if (!port?.disconnectTenant) return;
  try {
    const refs = ledgers.map((l) => ledgerSettings(l.settings).connectionRef).filter(Boolean);
    if (refs.length === 0) return;
    const token = await deps.integrations.tokens.accessToken(conn.id);
    for (const ref of refs) await port.disconnectTenant(token, ref!);
  } catch (err) {
    ctx.logger.warn('provider disconnect failed; disconnecting locally', {
      connectionId: conn.id,
      message: (err as Error).message,
    });
  }
}

async function revokeGrant(ctx: ServiceContext, db: Db, deps: Deps, conn: ConnectionRow) {
  await deps.integrations.tokens
    .revoke(conn.id)
    .catch((err: Error) => ctx.logger.warn('token revoke failed', { connectionId: conn.id, message: err.message }));
  await db
    .update(connection)
    .set({ status: 'disconnected', accessToken: null, refreshToken: null, updatedAt: ctx.clock.now() })
    .where(eq(connection.id, conn.id));
}

async function markDisconnected(ctx: ServiceContext, ledgers: LedgerRow[]) {
  for (const l of ledgers)
    await ctx.db
      .update(ledger)
      .set({
        status: 'disconnected',
        statusReason: REASON,
        statusChangedAt: ctx.clock.now(),
        updatedAt: ctx.clock.now(),
      })
      .where(eq(ledger.id, l.id));
}
