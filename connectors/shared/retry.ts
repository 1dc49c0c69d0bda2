import type { ConnectorError } from '../types.ts';
import { backoffMs } from './backoff.ts';
import type { LimiterClock, RateLimiter } from './ratelimit.ts';

export type RetryContext = {
  attempt: number;
  refreshed: boolean;
  maxAttempts: number;
  tenantId: string;
  limiter: RateLimiter;
  clock: LimiterClock;
  random: () => number;
  accessToken: (opts?: { forceRefresh?: boolean }) => Promise<string>;
};

/**
 * What both provider clients do after a failed call: refresh once on 401 (tokens can die before
 * their stated expiry), wait out throttling for Retry-After, back off with jitter on transient
 * errors, and throw anything else. Resolves with whether the token was refreshed.
 */
export async function afterFailure(error: ConnectorError, ctx: RetryContext): Promise<{ refreshed: boolean }> {
  if (error.code === 'unauthorized' && !ctx.refreshed) {
    await ctx.accessToken({ forceRefresh: true });
    return { refreshed: true };
  }
  if (!error.retryable || ctx.attempt >= ctx.maxAttempts) throw error;
  const wait = error.code === 'rate_limited' ? (error.retryAfterMs ?? 60_000) : backoffMs(ctx.attempt, ctx.random);
  if (error.code === 'rate_limited') ctx.limiter.backOff(ctx.tenantId, wait);
  await ctx.clock.sleep(wait);
  return { refreshed: ctx.refreshed };
}
