import { XeroApi } from '../../connectors/xero/client.ts';
import { XeroConnector } from '../../connectors/xero/connector.ts';
import { XeroOAuth } from '../../connectors/xero/oauth.ts';
import { type LimiterClock, XeroRateLimiter } from '../../connectors/xero/ratelimit.ts';
import { realSleep } from '../../connectors/shared/backoff.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { ledger } from '../db/schema/index.ts';
import { PreconditionError } from '../errors.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';
import { type ConnectorResolver, createConnectorResolver } from './connectors.ts';
import { ConnectionTokens } from './tokens.ts';

type LedgerRow = typeof ledger.$inferSelect;

export type XeroIntegration = {
  oauth: XeroOAuth;
  limiter: XeroRateLimiter;
  /** An API client for one connection (tokens refreshed and serialised through ConnectionTokens). */
  api(connectionId: string): XeroApi;
  connector(connectionId: string, timezone: string): XeroConnector;
};

/** Provider wiring: tokens, rate limiters and connector construction, built once per process. */
export type Integrations = {
  tokens: ConnectionTokens;
  resolve: ConnectorResolver;
  xero?: XeroIntegration;
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
}): Integrations {
  const limiterClock = deps.limiterClock ?? { now: () => Date.now(), sleep: realSleep };
  const xeroOAuth = deps.config.xero
    ? new XeroOAuth({ ...deps.config.xero, redirectUri: `${deps.config.publicUrl}/callback/xero` })
    : undefined;
  const tokens = new ConnectionTokens({
    db: deps.db,
    cipher: deps.cipher,
    clock: deps.clock,
    logger: deps.logger,
    refreshers: { ...(xeroOAuth ? { xero: xeroOAuth } : {}) },
  });

  let xero: XeroIntegration | undefined;
  if (xeroOAuth) {
    const limiter = new XeroRateLimiter(limiterClock);
    const api = (connectionId: string) =>
      new XeroApi({ accessToken: (o) => tokens.accessToken(connectionId, o), limiter, clock: limiterClock, random: deps.random });
    xero = { oauth: xeroOAuth, limiter, api, connector: (id, timezone) => new XeroConnector(api(id), { timezone }) };
  }

  const needsConnection = (row: LedgerRow): string => {
    if (row.status !== 'active' || !row.connectionId) {
      throw new PreconditionError(`ledger ${row.name} is ${row.status}; reconnect it to sync`);
    }
    return row.connectionId;
  };
  const resolve = createConnectorResolver({
    clock: deps.clock,
    providers: {
      ...(xero ? { xero: async (row: LedgerRow) => xero.connector(needsConnection(row), row.timezone) } : {}),
    },
  });
  return { tokens, resolve, xero };
}
