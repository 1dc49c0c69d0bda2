import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AGING_MS,
  DailyLimitExhausted,
  QUICKBOOKS_LIMITS,
  RateLimiter,
  SHARED_PAUSE_MS,
  XERO_LIMITS,
} from '../../connectors/shared/ratelimit.ts';
import type { Lane } from '../../connectors/types.ts';

/** Virtual time: sleeping advances the clock instantly, so limits are checked without waiting. */
function virtualClock() {
  let t = Date.UTC(2026, 10, 20, 10);
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
    advance: (ms: number) => {
      t += ms;
    },
    elapsed: (from: number) => t - from,
    start: t,
  };
}

/** The most calls in any 60-second window of these admission times. */
function busiestMinute(times: number[]): number {
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= 60_000) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
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

  it('paces calls evenly after a short burst: no minute-long stall, never more than 60 in a minute', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      (await limiter.acquire('t1'))();
      times.push(clock.now());
    }
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(times.filter((t) => t === clock.start)).toHaveLength(XERO_LIMITS.burst);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(1_250);
    expect(busiestMinute(times)).toBeLessThan(60);
  });

  it('never lets any minute hold more than the limit, whatever the arrival pattern', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 200 }),
        async (pauses) => {
          const clock = virtualClock();
          const limiter = new RateLimiter(clock);
          const times: number[] = [];
          for (const pause of pauses) {
            clock.advance(pause);
            (await limiter.acquire('t1'))();
            times.push(clock.now());
          }
          expect(busiestMinute(times)).toBeLessThan(60);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps tenants independent', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    for (let i = 0; i < XERO_LIMITS.burst; i++) (await limiter.acquire('t1'))();
    for (let i = 0; i < XERO_LIMITS.burst; i++) (await limiter.acquire('t2'))();
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

  it('admits a stopping call before every queued note and backfill call', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    const order: string[] = [];
    const run = (lane: Lane, name: string) =>
      limiter.acquire('t1', lane).then((release) => {
        order.push(name);
        release();
      });
    // The burst goes at once; the rest queue behind the pace.
    const queued = [
      ...Array.from({ length: 20 }, (_, i) => run('bulk', `bulk${i}`)),
      ...Array.from({ length: 20 }, (_, i) => run('note', `note${i}`)),
      run('send', 'send'),
      run('stop', 'stop'),
    ];
    await Promise.all(queued);
    // Only the calls already in flight when the stop arrived (the concurrency cap) went before it.
    const first = order.indexOf('stop');
    expect(first).toBeLessThanOrEqual(XERO_LIMITS.perTenantConcurrent);
    expect(order.slice(0, first).every((n) => n.startsWith('bulk'))).toBe(true);
    expect(order[first + 1]).toBe('send');
    // Notes before the backfill still waiting.
    expect(order.slice(first + 2, first + 22).every((n) => n.startsWith('note'))).toBe(true);
  });

  it('ages waiters: a backfill call behind a steady stream of sends still goes within a minute', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    let bulkAt: number | undefined;
    // Ten senders (twice the concurrency), each queueing again as soon as it is served: sends
    // are always waiting.
    const sender = async () => {
      while (bulkAt === undefined) (await limiter.acquire('t1', 'send'))();
    };
    const senders = Array.from({ length: 10 }, sender);
    const bulk = limiter.acquire('t1', 'bulk').then((release) => {
      bulkAt = clock.now();
      release();
    });
    await Promise.all([bulk, ...senders]);
    expect(bulkAt! - clock.start).toBeGreaterThan(AGING_MS);
    // Two aging steps lift it to the senders' rank; then at most the calls already admitted go first.
    expect(bulkAt! - clock.start).toBeLessThanOrEqual(2 * AGING_MS + XERO_LIMITS.perTenantConcurrent * 1_250);
  });

  it('honours the remaining-budget headers and 429 back-off', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    // None left this minute: another process spends this ledger's budget; pause, not a minute.
    limiter.observe('t1', { 'x-minlimit-remaining': '0' });
    (await limiter.acquire('t1'))();
    expect(clock.elapsed(clock.start)).toBe(SHARED_PAUSE_MS);
    limiter.backOff('t1', 7_000);
    const before = clock.now();
    (await limiter.acquire('t1'))();
    expect(clock.now() - before).toBe(7_000);
  });

  it('stops a tenant for the day when the daily budget is spent', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    limiter.observe('t1', { 'X-DayLimit-Remaining': '0' });
    await expect(limiter.acquire('t1', 'stop')).rejects.toBeInstanceOf(DailyLimitExhausted);
    (await limiter.acquire('t2'))();
  });

  it('gives the last of the day to stopping and sending: notes go first, then backfill', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    limiter.observe('t1', { 'X-DayLimit-Remaining': '900' });
    await expect(limiter.acquire('t1', 'note')).rejects.toMatchObject({ lane: 'note' });
    (await limiter.acquire('t1', 'bulk'))();
    limiter.observe('t1', { 'X-DayLimit-Remaining': '400' });
    await expect(limiter.acquire('t1', 'bulk')).rejects.toBeInstanceOf(DailyLimitExhausted);
    (await limiter.acquire('t1', 'send'))();
    (await limiter.acquire('t1', 'stop'))();
    expect(limiter.remainingToday('t1')).toBe(398);
    // A new UTC day starts afresh.
    clock.advance(24 * 3_600_000);
    (await limiter.acquire('t1', 'note'))();
  });

  it('counts its own calls against the day when the provider says nothing', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock, { ...XERO_LIMITS, perTenantPerDay: 10, perTenantPerMinute: 1_000 });
    for (let i = 0; i < 8; i++) (await limiter.acquire('t1', 'send'))();
    await expect(limiter.acquire('t1', 'note')).rejects.toBeInstanceOf(DailyLimitExhausted);
    (await limiter.acquire('t1', 'send'))();
  });

  it("parked after the provider's daily-limit 429: every lane is refused at once, without waiting, until the reset", async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock);
    const held = await limiter.acquire('t1', 'send');
    limiter.park('t1', 6 * 3_600_000);
    for (const lane of ['stop', 'send', 'note', 'bulk'] as const) {
      const err = await limiter.acquire('t1', lane).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DailyLimitExhausted);
      // Spent, not kept back for more urgent lanes: the provider refused for the day.
      expect(err).toMatchObject({ reserved: false, retryAfterMs: 6 * 3_600_000 });
    }
    expect(clock.elapsed(clock.start)).toBe(0);
    held();
    // Another tenant is not affected; after the reset the parked one is admitted again.
    (await limiter.acquire('t2', 'bulk'))();
    clock.advance(6 * 3_600_000);
    (await limiter.acquire('t1', 'bulk'))();
  });

  it('QuickBooks has no daily cap: nothing is refused', async () => {
    const clock = virtualClock();
    const limiter = new RateLimiter(clock, QUICKBOOKS_LIMITS);
    for (let i = 0; i < 600; i++) (await limiter.acquire('realm', 'note'))();
    expect(clock.elapsed(clock.start)).toBeGreaterThanOrEqual(60_000);
  });
});
