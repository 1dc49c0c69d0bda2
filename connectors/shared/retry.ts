import { ConnectorError, type Lane, type Provider } from '../types.ts';
import { backoffMs } from './backoff.ts';
import { DEFAULT_PROVIDER_TIMEOUT_MS, withDeadline } from './deadline.ts';
import { DailyLimitExhausted, type LimiterClock, type RateLimiter, type SharedLimits } from './ratelimit.ts';

export type RetryOptions<T> = {
  provider: Provider;
  /** The rate-limited unit: Xero tenant, QuickBooks realm. */
  tenantId: string;
  limiter: RateLimiter;
  /** The tenant's budget as every process sharing it sees it (absent: this process is alone). */
  shared?: SharedLimits;
  /** Who goes first when the tenant's budget is busy. */
  lane?: Lane;
  clock: LimiterClock;
  random: () => number;
  maxAttempts: number;
  accessToken: (opts?: { forceRefresh?: boolean }) => Promise<string>;
  /** How long one attempt may take (see DEFAULT_PROVIDER_TIMEOUT_MS). */
  timeoutMs?: number;
  /** One call with a token; throws the provider's raw failure. Drops the request when `signal` aborts. */
  attempt: (token: string, signal: AbortSignal) => Promise<T>;
  /** Turns a raw failure into a typed error (by status and provider code, never by message). */
  classify: (err: unknown) => ConnectorError;
};

/**
 * A Retry-After longer than this is not waited out inside the call: it is a daily limit (Xero
 * answers `X-Rate-Limit-Problem: day` with hours to wait). The tenant is parked instead, and the
 * caller gets the error at once so that a sync, a webhook job or a tick moves on to other work.
 */
const MAX_INLINE_WAIT_MS = 120_000;

/**
 * One provider call inside the limits, as both clients make it: wait for a rate-limit slot, call
 * within the deadline, and on failure refresh once on 401 (tokens can die before their stated
 * expiry), wait out short throttling for Retry-After, back off with jitter on transient errors and
 * timeouts, park the tenant on a daily limit, and throw anything else.
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
          providerCode: err.reserved ? 'daily_reserved' : 'daily',
          retryAfterMs: err.retryAfterMs,
        });
      }
      throw err;
    }
    let releaseShared: (() => Promise<void>) | undefined;
    try {
      releaseShared = await o.shared?.take(o.tenantId);
    } catch (err) {
      release();
      throw err;
    }
    let error: ConnectorError;
    try {
      // A refused token (invalid_grant, a refresh that timed out) is already typed: thrown as is.
      const token = await o.accessToken();
      try {
        return await withDeadline(
          o.provider,
          o.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS,
          `${o.provider} call`,
          (signal) => o.attempt(token, signal),
        );
      } catch (err) {
        error = err instanceof ConnectorError ? err : o.classify(err);
      }
    } finally {
      release();
      await releaseShared?.().catch(() => undefined); // an unreleased slot expires by itself
    }
    if (error.code === 'unauthorized' && !refreshed) {
      refreshed = true;
      await o.accessToken({ forceRefresh: true });
      continue;
    }
    if (isDailyLimit(error)) {
      const wait = error.retryAfterMs ?? MAX_INLINE_WAIT_MS;
      o.limiter.park(o.tenantId, wait);
      throw new ConnectorError('rate_limited', `${o.provider} daily call limit reached for this ledger`, {
        provider: o.provider,
        providerCode: 'daily',
        status: error.status,
        retryAfterMs: wait,
        cause: error,
      });
    }
    if (!error.retryable || attempt >= o.maxAttempts) throw error;
    const wait = error.code === 'rate_limited' ? (error.retryAfterMs ?? 60_000) : backoffMs(attempt, o.random);
    if (error.code === 'rate_limited') {
      o.limiter.backOff(o.tenantId, wait);
      await o.shared?.backOff(o.tenantId, wait);
    }
    await o.clock.sleep(wait);
  }
}

/** The provider's own daily limit (or any throttle too long to wait out within a call). */
function isDailyLimit(e: ConnectorError): boolean {
  if (e.code !== 'rate_limited') return false;
  return e.providerCode === 'day' || (e.retryAfterMs ?? 0) > MAX_INLINE_WAIT_MS;
}
