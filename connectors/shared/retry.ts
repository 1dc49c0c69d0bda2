import { ConnectorError, type Lane, type Provider } from '../types.ts';
import { backoffMs } from './backoff.ts';
import { DailyLimitExhausted, type LimiterClock, type RateLimiter } from './ratelimit.ts';

export type RetryOptions<T> = {
  provider: Provider;
  /** The rate-limited unit: Xero tenant, QuickBooks realm. */
  tenantId: string;
  limiter: RateLimiter;
  /** Who goes first when the tenant's budget is busy. */
  lane?: Lane;
  clock: LimiterClock;
  random: () => number;
  maxAttempts: number;
  accessToken: (opts?: { forceRefresh?: boolean }) => Promise<string>;
  /** One call with a token; throws the provider's raw failure. */
  attempt: (token: string) => Promise<T>;
  /** Turns a raw failure into a typed error (by status and provider code, never by message). */
  classify: (err: unknown) => ConnectorError;
};

/**
 * One provider call inside the limits, as both clients make it: wait for a rate-limit slot, call,
 * and on failure refresh once on 401 (tokens can die before their stated expiry), wait out
 * throttling for Retry-After, back off with jitter on transient errors, and throw anything else.
 */
export async function callWithRetries<T>(o: RetryOptions<T>): Promise<T> {
  let refreshed = false;
  for (let attempt = 1; ; attempt++) {
    let release: () => void;
    try {
      release = await o.limiter.acquire(o.tenantId, o.lane);
    } catch (err) {
      if (err instanceof DailyLimitExhausted) {
        throw new ConnectorError('rate_limited', err.message, {
          provider: o.provider,
          providerCode: err.lane === 'note' || err.lane === 'bulk' ? 'daily_reserved' : 'daily',
          retryAfterMs: err.retryAfterMs,
        });
      }
      throw err;
    }
    let error: ConnectorError;
    try {
      return await o.attempt(await o.accessToken());
    } catch (err) {
      // Already typed (from accessToken(): invalid_grant and the like): nothing to retry here.
      if (err instanceof ConnectorError) throw err;
      error = o.classify(err);
    } finally {
      release();
    }
    if (error.code === 'unauthorized' && !refreshed) {
      refreshed = true;
      await o.accessToken({ forceRefresh: true });
      continue;
    }
    if (!error.retryable || attempt >= o.maxAttempts) throw error;
    const wait = error.code === 'rate_limited' ? (error.retryAfterMs ?? 60_000) : backoffMs(attempt, o.random);
    if (error.code === 'rate_limited') o.limiter.backOff(o.tenantId, wait);
    await o.clock.sleep(wait);
  }
}
