import { describe, expect, it } from 'vitest';
import { DailyLimitExhausted, RateLimiter } from '../../connectors/shared/ratelimit.ts';

/** Virtual time: sleeping advances the clock instantly, so limits are checked without waiting. */
function virtualClock() {
  let t = Date.UTC(2026, 10, 20, 10);
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    elapsed: (from: number) => t - from,
    start: t,
  };
}

describe('Xero rate limiter', () => {
  it('allows 60 calls a minute per tenant and spaces the rest', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    for (let i = 0; i < 150; i++) (await limiter.acquire('t1'))();
    // 150 calls need at least two full minutes.
    expect(clock.elapsed(clock.start)).toBeGreaterThanOrEqual(120_000);
    expect(clock.elapsed(clock.start)).toBeLessThan(180_000);
  });

  it('keeps tenants independent', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    for (let i = 0; i < 60; i++) (await limiter.acquire('t1'))();
    for (let i = 0; i < 60; i++) (await limiter.acquire('t2'))();
    expect(clock.elapsed(clock.start)).toBe(0);
  });

  it('never has more than 5 calls in flight for one tenant', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 30 }, async () => {
        const release = await limiter.acquire('t1');
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 2));
        active--;
        release();
      }),
    );
    expect(peak).toBe(5);
  });

  it('honours the remaining-budget headers and 429 back-off', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    limiter.observe('t1', { 'x-minlimit-remaining': '0' });
    (await limiter.acquire('t1'))();
    expect(clock.elapsed(clock.start)).toBe(60_000);
    limiter.backOff('t1', 7_000);
    const before = clock.now();
    (await limiter.acquire('t1'))();
    expect(clock.now() - before).toBe(7_000);
  });

  it('stops a tenant for the day when the daily budget is spent', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    limiter.observe('t1', { 'X-DayLimit-Remaining': '0' });
    await expect(limiter.acquire('t1')).rejects.toBeInstanceOf(DailyLimitExhausted);
    (await limiter.acquire('t2'))();
  });
});
