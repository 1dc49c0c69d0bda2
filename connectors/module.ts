import type { Limits, LimiterClock, SharedLimits } from './shared/ratelimit.ts';
import type { ExternalProvider, ProviderPort, WebhookReader } from './types.ts';

/** What a provider's port is built from, once per process; `settings` is its own config section. */
type ProviderDeps<Settings> = {
  settings: Settings;
  /** Where the provider sends the browser back: {publicUrl}/callback/{id} and /auth/callback/{id}. */
  publicUrl: string;
  /** How long one provider call or token call may take. */
  timeoutMs: number;
  /** A valid access token for a connection, refreshed (once, across processes) when needed. */
  accessToken(connectionId: string, opts?: { forceRefresh?: boolean }): Promise<string>;
  clock: LimiterClock;
  now(): Date;
  random?: () => number;
  /** Records per page of a listing, where the provider lets us choose (benchmarks spread a backfill). */
  pageSize?: number;
  /** Each tenant's budget kept in the database, shared with other processes, when enabled. */
  shared?: (limits: Limits) => SharedLimits | undefined;
};

/**
 * One provider, as the registry holds it: what is known without settings (names, limits, how
 * its webhooks are read, how its ledgers count money) and how to build its port from settings.
 */
export type ProviderModule<Settings> = {
  id: ExternalProvider;
  /** The accounting product, as users know it: "Xero", "QuickBooks". */
  label: string;
  /** Whose account a person signs in with: "Xero", "Intuit". */
  identityLabel: string;
  limits: Limits;
  webhook: WebhookReader & { secret(settings: Settings): string | undefined };
  /**
   * Whether a payment left unapplied is the customer's credit (QuickBooks). Where it is not, the
   * provider books that money as an overpayment or prepayment, mirrored as a credit note.
   */
  unappliedPaymentsAreCredit: boolean;
  /** Why a grant ends on a fixed date whatever its use, for the owners' warning (QuickBooks). */
  grantLifetime?: string;
  create(deps: ProviderDeps<Settings>): ProviderPort;
};
