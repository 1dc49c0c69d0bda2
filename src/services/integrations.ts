import type { ProviderModule } from '../../connectors/module.ts';
import { PROVIDER_MODULES, type ProviderSettings } from '../../connectors/registry.ts';
import { realSleep } from '../../connectors/shared/backoff.ts';
import type { LimiterClock } from '../../connectors/shared/ratelimit.ts';
import { EXTERNAL_PROVIDERS, type ExternalProvider, type ProviderPort } from '../../connectors/types.ts';
import type { Config } from '../config.ts';
import type { Db } from '../db/client.ts';
import type { ledger } from '../db/schema/index.ts';
import { PreconditionError } from '../errors.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';
import { type ConnectorResolver, createConnectorResolver } from './connectors.ts';
import { grantLost, guardConnector, type LedgerHealthDeps } from './ledger-health.ts';
import { sharedLimits } from './shared-limits.ts';
import { ConnectionTokens } from './tokens.ts';

type LedgerRow = typeof ledger.$inferSelect;

/** Provider wiring: tokens, each configured provider's port, connector resolution; built once per process. */
export type Integrations = {
  tokens: ConnectionTokens;
  resolve: ConnectorResolver;
  /** The configured providers' ports; absent ones are not configured on this server. */
  ports: Partial<Record<ExternalProvider, ProviderPort>>;
  /** A configured provider's port, or a clear error naming what is missing. */
  port(provider: ExternalProvider): ProviderPort;
};

/** The configuration's section for a provider, when it is configured. */
export function settingsOf<P extends ExternalProvider>(config: Config, provider: P): ProviderSettings[P] | undefined {
  return config[provider] as ProviderSettings[P] | undefined;
}

/** The key a provider's webhooks are signed with, when the operator has set it. */
export function webhookSecret(config: Config, provider: ExternalProvider): string | undefined {
  const settings = settingsOf(config, provider);
  return settings && (PROVIDER_MODULES[provider] as ProviderModule<typeof settings>).webhook.secret(settings);
}

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
  /** Records per listing page where the provider lets us choose (benchmarks only). */
  pageSize?: number;
}): Integrations {
  const limiterClock = deps.limiterClock ?? { now: () => Date.now(), sleep: realSleep };
  const ports: Partial<Record<ExternalProvider, ProviderPort>> = {};
  const health: LedgerHealthDeps = { db: deps.db, clock: deps.clock, logger: deps.logger, notices: deps.notices };
  // Refreshes go to whichever port the connection's provider has (filled in below).
  const tokens = new ConnectionTokens({
    db: deps.db,
    cipher: deps.cipher,
    clock: deps.clock,
    logger: deps.logger,
    timeoutMs: deps.config.providerTimeoutMs,
    refreshers: ports,
    onGrantLost: (ledgers) => grantLost(health, ledgers),
  });
  for (const provider of EXTERNAL_PROVIDERS) {
    const settings = settingsOf(deps.config, provider);
    if (!settings) continue;
    const module = PROVIDER_MODULES[provider] as ProviderModule<typeof settings>;
    ports[provider] = module.create({
      settings,
      publicUrl: deps.config.publicUrl,
      timeoutMs: deps.config.providerTimeoutMs,
      accessToken: (connectionId, o) => tokens.accessToken(connectionId, o),
      clock: limiterClock,
      now: () => deps.clock.now(),
      random: deps.random,
      pageSize: deps.pageSize,
      shared: deps.sharedLimits
        ? (limits) =>
            sharedLimits(deps.db, provider, limits, {
              callTimeoutMs: deps.config.providerTimeoutMs,
              sleep: (ms) => limiterClock.sleep(ms),
            })
        : undefined,
    });
  }

  const port = (provider: ExternalProvider): ProviderPort => {
    const p = ports[provider];
    if (!p) throw new PreconditionError(`${PROVIDER_MODULES[provider].label} is not configured on this server`);
    return p;
  };
  const resolve = createConnectorResolver({
    clock: deps.clock,
    connect: async (row: LedgerRow, provider, lane) => {
      if (row.status !== 'active' || !row.connectionId)
        throw new PreconditionError(`ledger ${row.name} is ${row.status}; reconnect it to sync`);
      return guardConnector(health, row, port(provider).connector(row.connectionId, row, lane));
    },
  });
  return { tokens, resolve, ports, port };
}
