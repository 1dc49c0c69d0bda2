import { and, eq, sql } from 'drizzle-orm';
import { DEFAULT_PROVIDER_TIMEOUT_MS, withDeadline } from '../../connectors/shared/deadline.ts';
import { ConnectorError, type Provider, type TokenSet } from '../../connectors/types.ts';
import { type Db, dbError } from '../db/client.ts';
import { connection, ledger } from '../db/schema/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';
import { MISCONFIGURED } from './provider-health.ts';

export type TokenRefresher = {
  refresh(refreshToken: string, now: number): Promise<TokenSet>;
  revoke?(refreshToken: string): Promise<void>;
};

/** Refresh this long before the stated expiry, so a call never starts with a dying token. */
const EARLY_MS = 120_000;
/** How much longer than one refresh call a waiter waits for another's refresh (its commit included). */
const LOCK_SLACK_MS = 5_000;
/** Postgres: the lock was not granted within lock_timeout. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Access tokens for stored connections. Refresh tokens rotate and are single-use (Xero) or die
 * 24 h after rotation (Intuit), so refreshes of one connection are serialised: in-process by a
 * shared promise, across processes by locking the connection row and re-reading it.
 */
export class ConnectionTokens {
  private inflight = new Map<string, Promise<string>>();
  /** Token endpoint calls made, for tests and metrics. */
  refreshes = 0;

  constructor(
    private readonly deps: {
      db: Db;
      cipher: TokenCipher;
      clock: Clock;
      logger: Logger;
      refreshers: Partial<Record<Provider, TokenRefresher>>;
      /** How long one token endpoint call may take. */
      timeoutMs?: number;
      /** After a refused grant has stopped these ledgers (committed): tell the firm. */
      onGrantLost?: (ledgers: (typeof ledger.$inferSelect)[]) => Promise<void>;
    },
  ) {}

  private get timeoutMs() {
    return this.deps.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  }

  /** Encrypts and stores a token set on a connection (row id is the AAD). */
  async store(db: Db, connectionId: string, tokens: TokenSet): Promise<void> {
    const { cipher, clock } = this.deps;
    await db
      .update(connection)
      .set({
        accessToken: await cipher.encrypt(tokens.accessToken, connectionId),
        refreshToken: await cipher.encrypt(tokens.refreshToken, connectionId),
        keyId: cipher.primaryKeyId,
        accessExpiresAt: tokens.accessExpiresAt,
        refreshExpiresAt: tokens.refreshExpiresAt ?? null,
        ...(tokens.refreshHardExpiresAt
          ? {
              refreshHardExpiresAt: tokens.refreshHardExpiresAt,
              // A new consent moves the cap later: its warnings start over.
              hardExpiryWarnedDays: sql`case when ${connection.refreshHardExpiresAt} < ${tokens.refreshHardExpiresAt.toISOString()}::timestamptz then null else ${connection.hardExpiryWarnedDays} end`,
            }
          : {}),
        scopes: tokens.scopes,
        status: 'active',
        lastError: null,
        updatedAt: clock.now(),
      })
      .where(eq(connection.id, connectionId));
  }

  async accessToken(connectionId: string, opts: { forceRefresh?: boolean } = {}): Promise<string> {
    const [row] = await this.deps.db.select().from(connection).where(eq(connection.id, connectionId));
    if (!row) throw new ConnectorError('not_found', 'connection not found', { provider: 'demo' });
    this.assertUsable(row);
    if (!opts.forceRefresh && this.fresh(row)) return this.deps.cipher.decrypt(row.accessToken!, row.id);
    let p = this.inflight.get(connectionId);
    if (!p) {
      p = this.refreshUnderLock(connectionId, row.provider, Boolean(opts.forceRefresh)).finally(() =>
        this.inflight.delete(connectionId),
      );
      this.inflight.set(connectionId, p);
    }
    return p;
  }

  /** Revokes the stored grant at the provider (used on disconnect). */
  async revoke(connectionId: string): Promise<void> {
    const [row] = await this.deps.db.select().from(connection).where(eq(connection.id, connectionId));
    const refresher = row && this.deps.refreshers[row.provider];
    if (!row?.refreshToken || !refresher?.revoke) return;
    const token = await this.deps.cipher.decrypt(row.refreshToken, row.id);
    await withDeadline(row.provider, this.timeoutMs, 'token revoke', () => refresher.revoke!(token));
  }

  private fresh(row: typeof connection.$inferSelect): boolean {
    return Boolean(
      row.accessToken &&
        row.accessExpiresAt &&
        row.accessExpiresAt.getTime() - EARLY_MS > this.deps.clock.now().getTime(),
    );
  }

  private assertUsable(row: typeof connection.$inferSelect) {
    if (row.status !== 'active' || !row.refreshToken) {
      throw new ConnectorError('invalid_grant', 'connection needs to be reconnected', {
        provider: row.provider,
        providerCode: row.status,
      });
    }
  }

  private async refreshUnderLock(connectionId: string, provider: Provider, force: boolean): Promise<string> {
    const { db, cipher, clock, logger } = this.deps;
    const startedAt = clock.now().getTime();
    let refusal: ConnectorError | undefined;
    let stopped: (typeof ledger.$inferSelect)[] = [];
    const token = await db
      .transaction(async (tx) => {
        // Another process refreshing this grant holds the row; its refresh has a deadline, so a
        // longer wait means it is stuck: give up (retryable) rather than hold this caller forever.
        await tx.execute(sql.raw(`set local lock_timeout = ${this.timeoutMs + LOCK_SLACK_MS}`));
        const [row] = await tx.select().from(connection).where(eq(connection.id, connectionId)).for('update');
        if (!row) throw new ConnectorError('not_found', 'connection not found', { provider: 'demo' });
        this.assertUsable(row);
        // Someone else refreshed while we waited for the lock: use theirs.
        const justRefreshed = row.lastRefreshedAt && row.lastRefreshedAt.getTime() >= startedAt - 30_000;
        if (this.fresh(row) && (!force || justRefreshed)) return cipher.decrypt(row.accessToken!, row.id);
        const refresher = this.deps.refreshers[row.provider];
        if (!refresher)
          throw new ConnectorError('unknown', `${row.provider} is not configured`, { provider: row.provider });
        let tokens: TokenSet;
        try {
          this.refreshes++;
          const refreshToken = await cipher.decrypt(row.refreshToken!, row.id);
          tokens = await withDeadline(row.provider, this.timeoutMs, 'token refresh', () =>
            refresher.refresh(refreshToken, clock.now().getTime()),
          );
        } catch (err) {
          // Only a refused grant needs the customer. Throttling, timeouts and outages are retried by
          // the caller; a refused client (a rotated secret) is the operator's to fix, and the
          // customer's connection is left as it is.
          if (err instanceof ConnectorError && err.code === 'misconfigured') {
            logger.error('token refresh refused this app: check the provider credentials', {
              connectionId: row.id,
              provider: row.provider,
              providerCode: err.providerCode,
            });
            await tx
              .update(connection)
              .set({
                lastError: `${MISCONFIGURED} ${err.providerCode ?? 'credentials refused'}`,
                updatedAt: clock.now(),
              })
              .where(eq(connection.id, row.id));
            refusal = err;
            return '';
          }
          if (err instanceof ConnectorError && err.code === 'invalid_grant') {
            // The grant is gone: stop everything for this connection until the user reconnects.
            await tx
              .update(connection)
              .set({ status: 'needs_reconnect', lastError: err.code, updatedAt: clock.now() })
              .where(eq(connection.id, row.id));
            stopped = await tx
              .update(ledger)
              .set({ status: 'needs_reconnect', statusChangedAt: clock.now(), updatedAt: clock.now() })
              .where(and(eq(ledger.connectionId, row.id), eq(ledger.status, 'active')))
              .returning();
            logger.warn('connection needs reconnect', {
              connectionId: row.id,
              provider: row.provider,
              reason: err.code,
            });
            refusal = new ConnectorError('invalid_grant', 'connection needs to be reconnected', {
              provider: row.provider,
              providerCode: err.providerCode,
            });
            return '';
          }
          throw err;
        }
        await this.store(tx as unknown as Db, row.id, tokens);
        await tx
          .update(connection)
          .set({ lastRefreshedAt: clock.now(), refreshCount: row.refreshCount + 1 })
          .where(eq(connection.id, row.id));
        return tokens.accessToken;
      })
      .catch((err: unknown) => {
        if (dbError(err).code !== LOCK_NOT_AVAILABLE) throw err;
        throw new ConnectorError('timeout', 'another token refresh of this connection did not finish', {
          provider,
          cause: err,
        });
      });
    // Told once, by the refresh that found the grant gone (the others waited on its lock).
    // The refusal is recorded either way: a notice that fails is logged, not thrown in its place.
    if (stopped.length)
      await this.deps
        .onGrantLost?.(stopped)
        .catch((e: Error) => logger.error('grant loss not told', { connectionId, error: e.name, message: e.message }));
    if (refusal) throw refusal;
    return token;
  }
}
