import { XeroApi } from '../../connectors/xero/client.ts';
import { XeroConnector } from '../../connectors/xero/connector.ts';
import { XERO_SIGNIN_SCOPES, XeroOAuth } from '../../connectors/xero/oauth.ts';
import { type LimiterClock, RateLimiter } from '../../connectors/shared/ratelimit.ts';
import { realSleep } from '../../connectors/shared/backoff.ts';
import { QboApi } from '../../connectors/quickbooks/client.ts';
import { QuickBooksConnector } from '../../connectors/quickbooks/connector.ts';
import { INTUIT_SIGNIN_SCOPES, QuickBooksOAuth } from '../../connectors/quickbooks/oauth.ts';
import { type Limits, QUICKBOOKS_LIMITS, XERO_LIMITS } from '../../connectors/shared/ratelimit.ts';
import { sharedLimits } from './shared-limits.ts';
import type { Lane } from '../../connectors/types.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { ledger } from '../db/schema/index.ts';
import { PreconditionError } from '../errors.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';
import { type ConnectorResolver, createConnectorResolver } from './connectors.ts';
import { ConnectionTokens } from './tokens.ts';
import { guardConnector, type LedgerHealthDeps } from './ledger-health.ts';

type LedgerRow = typeof ledger.$inferSelect;

type XeroIntegration = {
  oauth: XeroOAuth;
  /** Sign in with Xero (OpenID Connect through the same app, identity scopes only). */
  signIn: XeroOAuth;
  limiter: RateLimiter;
  /** An API client for one connection (tokens refreshed and serialised through ConnectionTokens). */
  api(connectionId: string, lane?: Lane): XeroApi;
  connector(connectionId: string, timezone: string, lane?: Lane): XeroConnector;
};

type QuickBooksIntegration = {
  oauth: QuickBooksOAuth;
  /** Sign in with Intuit (OpenID Connect through the same app, identity scopes only). */
  signIn: QuickBooksOAuth;
  limiter: RateLimiter;
  api(connectionId: string, lane?: Lane): QboApi;
  connector(
    connectionId: string,
    ledger: { realmId: string; timezone: string; baseCurrency: string },
    lane?: Lane,
  ): QuickBooksConnector;
};

/** Provider wiring: tokens, rate limiters and connector construction, built once per process. */
export type Integrations = {
  tokens: ConnectionTokens;
  resolve: ConnectorResolver;
  xero?: XeroIntegration;
  quickbooks?: QuickBooksIntegration;
};

export function createIntegrations(deps: {
  config: Config;
  db: Db;
  cipher: TokenCipher;
  clock: Clock;
  logger: Logger;
  /** Time for rate limiting and backoff; tests and benchmarks run it virtually. */
  limiterClock?: LimiterClock;
  random?: () => number;
  /** Who is emailed when a provider disconnects a ledger (see ledger-health). */
  notices?: LedgerHealthDeps['notices'];
  /**
   * Keep each tenant's call budget in the database too, so several processes on one Postgres
   * stay inside the provider's limits together (off for the embedded database: one process).
   */
  sharedLimits?: boolean;
}): Integrations {
  const limiterClock = deps.limiterClock ?? { now: () => Date.now(), sleep: realSleep };
  const xeroOAuth = deps.config.xero
    ? new XeroOAuth(
        { ...deps.config.xero, redirectUri: `${deps.config.publicUrl}/callback/xero` },
        undefined,
        deps.config.providerTimeoutMs,
      )
    : undefined;
  const qbConfig = deps.config.quickbooks;
  const qbOAuth = qbConfig
    ? new QuickBooksOAuth({ ...qbConfig, redirectUri: `${deps.config.publicUrl}/callback/quickbooks` })
    : undefined;
  const tokens = new ConnectionTokens({
    db: deps.db,
    cipher: deps.cipher,
    clock: deps.clock,
    logger: deps.logger,
    timeoutMs: deps.config.providerTimeoutMs,
    refreshers: { ...(xeroOAuth ? { xero: xeroOAuth } : {}), ...(qbOAuth ? { quickbooks: qbOAuth } : {}) },
  });

  const shared = (provider: 'xero' | 'quickbooks', limits: Limits) =>
    deps.sharedLimits
      ? sharedLimits(deps.db, provider, limits, {
          callTimeoutMs: deps.config.providerTimeoutMs,
          sleep: (ms) => limiterClock.sleep(ms),
        })
      : undefined;

  let xero: XeroIntegration | undefined;
  if (xeroOAuth) {
    const limiter = new RateLimiter(limiterClock);
    const xeroShared = shared('xero', XERO_LIMITS);
    const api = (connectionId: string, lane?: Lane) =>
      new XeroApi({
        accessToken: (o) => tokens.accessToken(connectionId, o),
        limiter,
        shared: xeroShared,
        lane,
        clock: limiterClock,
        random: deps.random,
        timeoutMs: deps.config.providerTimeoutMs,
      });
    const signIn = new XeroOAuth(
      { ...deps.config.xero!, redirectUri: `${deps.config.publicUrl}/auth/callback/xero` },
      XERO_SIGNIN_SCOPES,
    );
    xero = {
      oauth: xeroOAuth,
      signIn,
      limiter,
      api,
      connector: (id, timezone, lane) => new XeroConnector(api(id, lane), { timezone }),
    };
  }

  let quickbooks: QuickBooksIntegration | undefined;
  if (qbOAuth && qbConfig) {
    const limiter = new RateLimiter(limiterClock, QUICKBOOKS_LIMITS);
    const qboShared = shared('quickbooks', QUICKBOOKS_LIMITS);
    const api = (connectionId: string, lane?: Lane) =>
      new QboApi({
        accessToken: (o) => tokens.accessToken(connectionId, o),
        limiter,
        shared: qboShared,
        lane,
        clock: limiterClock,
        sandbox: qbConfig.environment === 'sandbox',
        random: deps.random,
        timeoutMs: deps.config.providerTimeoutMs,
      });
    quickbooks = {
      oauth: qbOAuth,
      signIn: new QuickBooksOAuth(
        { ...qbConfig, redirectUri: `${deps.config.publicUrl}/auth/callback/quickbooks` },
        INTUIT_SIGNIN_SCOPES,
      ),
      limiter,
      api,
      connector: (id, l, lane) => new QuickBooksConnector(api(id, lane), { ...l, now: () => deps.clock.now() }),
    };
  }

  const needsConnection = (row: LedgerRow): string => {
    if (row.status !== 'active' || !row.connectionId) {
      throw new PreconditionError(`ledger ${row.name} is ${row.status}; reconnect it to sync`);
    }
    return row.connectionId;
  };
  const health: LedgerHealthDeps = { db: deps.db, clock: deps.clock, logger: deps.logger, notices: deps.notices };
  const resolve = createConnectorResolver({
    clock: deps.clock,
    providers: {
      ...(xero
        ? {
            xero: async (row: LedgerRow, lane?: Lane) =>
              guardConnector(health, row, xero.connector(needsConnection(row), row.timezone, lane)),
          }
        : {}),
      ...(quickbooks
        ? {
            quickbooks: async (row: LedgerRow, lane?: Lane) =>
              guardConnector(
                health,
                row,
                quickbooks.connector(
                  needsConnection(row),
                  { realmId: row.externalId, timezone: row.timezone, baseCurrency: row.baseCurrency },
                  lane,
                ),
              ),
          }
        : {}),
    },
  });
  return { tokens, resolve, xero, quickbooks };
}
