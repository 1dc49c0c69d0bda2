import { LANE_RANK, type Lane } from '../types.ts';

/**
 * Provider rate limits, enforced before we call rather than discovered by 429s: per ledger
 * (Xero tenant, QuickBooks realm) a concurrency cap, a per-minute budget and a daily budget, plus
 * an app-wide per-minute budget. Xero's remaining-budget headers (X-MinLimit-Remaining,
 * X-DayLimit-Remaining, X-AppMinLimit-Remaining) tighten it when other processes share it.
 *
 * Calls are admitted by lane: stopping a reminder before sending one, before history notes,
 * before backfill. A waiter's rank improves one step per AGING_MS waited, so low lanes slow down
 * under load but never starve. The per-minute budget is paced (a token bucket, GCRA form): after
 * a short burst calls are spaced evenly, so waiting work never sees a minute-long stall.
 */
export type LimiterClock = { now(): number; sleep(ms: number): Promise<void> };

/**
 * The same per-tenant budget as seen by every process that shares it (several Node processes or
 * Workers isolates on one database). Taken after this process's own limiter admits a call, so a
 * tenant stays inside the provider's limits however many processes call it.
 */
export type SharedLimits = {
  /** Waits for the shared pace and a shared slot; returns the release. */
  take(tenantId: string): Promise<() => Promise<void>>;
  /** After a 429: no process calls this tenant until `ms` have passed. */
  backOff(tenantId: string, ms: number): Promise<void>;
};

export type Limits = {
  perTenantConcurrent: number;
  perTenantPerMinute: number;
  /** Calls that may go at once after a quiet spell; the rest of the minute's budget is paced. */
  burst: number;
  appPerMinute: number;
  /** Calls per tenant per UTC day (Xero 5,000); notes give way first as it runs low. */
  perTenantPerDay: number;
};
/** Xero: 5 concurrent, 60/min and 5,000/day per organisation, 10,000/min per app. */
export const XERO_LIMITS: Limits = {
  perTenantConcurrent: 5,
  perTenantPerMinute: 60,
  burst: 10,
  appPerMinute: 10_000,
  perTenantPerDay: 5_000,
};
/** QuickBooks Online: 10 concurrent and 500/min per realm; no daily cap. */
export const QUICKBOOKS_LIMITS: Limits = {
  perTenantConcurrent: 10,
  perTenantPerMinute: 500,
  burst: 50,
  appPerMinute: Number.POSITIVE_INFINITY,
  perTenantPerDay: Number.POSITIVE_INFINITY,
};

const MINUTE = 60_000;
/** How long to pause when the provider says the minute's budget is spent by someone else. */
export const SHARED_PAUSE_MS = 10_000;
/** How long a waiter waits before it counts as one lane more urgent. */
export const AGING_MS = 20_000;
/**
 * Share of the daily budget each lane leaves to the others: history notes never take more than
 * half a day's budget, backfill stops when a tenth is left; stopping and sending use it to the end.
 */
const DAY_RESERVE: Record<Lane, number> = { stop: 0, send: 0, note: 0.5, bulk: 0.1 };

type Waiter = { lane: Lane; since: number; resolve: () => void; reject: (err: unknown) => void };
type Pace = { tat: number };
type TenantState = {
  active: number;
  waiters: Waiter[];
  pace: Pace;
  pumping: boolean;
  blockedUntil: number;
  day: number;
  dayUsed: number;
  /** The provider's own count of what is left today (shared with other processes), if it said. */
  dayRemaining: number | undefined;
  /** The provider refused for the day (a daily-limit 429): every call is refused until then. */
  parkedUntil: number;
};

export class DailyLimitExhausted extends Error {
  /** The day's budget is not spent, only kept for more urgent lanes (notes and backfill wait). */
  readonly reserved: boolean;
  constructor(
    readonly retryAfterMs: number,
    readonly lane: Lane = 'bulk',
    spent = false,
  ) {
    const reserved = !spent && (lane === 'note' || lane === 'bulk');
    super(
      reserved
        ? `daily call budget for this ledger is kept for stopping and sending (${lane} waits for tomorrow)`
        : 'daily call limit reached for this ledger',
    );
    this.reserved = reserved;
  }
}

export class RateLimiter {
  private tenants = new Map<string, TenantState>();
  private readonly app: Pace = { tat: 0 };
  private appBlockedUntil = 0;

  constructor(
    private readonly clock: LimiterClock,
    private readonly limits: Limits = XERO_LIMITS,
  ) {}

  private state(tenantId: string): TenantState {
    let s = this.tenants.get(tenantId);
    if (!s) {
      s = {
        active: 0,
        waiters: [],
        pace: { tat: 0 },
        pumping: false,
        blockedUntil: 0,
        day: utcDay(this.clock.now()),
        dayUsed: 0,
        dayRemaining: undefined,
        parkedUntil: 0,
      };
      this.tenants.set(tenantId, s);
    }
    return s;
  }

  /** Waits for a slot in `lane`; returns the release function to call when the HTTP call is done. */
  async acquire(tenantId: string, lane: Lane = 'bulk'): Promise<() => void> {
    const s = this.state(tenantId);
    await new Promise<void>((resolve, reject) => {
      s.waiters.push({ lane, since: this.clock.now(), resolve, reject });
      this.pump(s);
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      s.active--;
      this.pump(s);
    };
  }

  /** Calls this tenant may still make today, as far as this process knows. */
  remainingToday(tenantId: string): number {
    const s = this.state(tenantId);
    this.rollDay(s, this.clock.now());
    return this.left(s);
  }

  private left(s: TenantState) {
    return Math.min(this.limits.perTenantPerDay - s.dayUsed, s.dayRemaining ?? Number.POSITIVE_INFINITY);
  }

  private pump(s: TenantState) {
    if (s.pumping) return;
    s.pumping = true;
    void this.admit(s).finally(() => {
      s.pumping = false;
      // A waiter or a free slot may have arrived while the last sleep ended.
      if (s.waiters.length > 0 && s.active < this.limits.perTenantConcurrent) this.pump(s);
    });
  }

  /** Hands out slots, most urgent waiter first, as concurrency, pace and the day allow. */
  private async admit(s: TenantState) {
    while (s.waiters.length > 0 && s.active < this.limits.perTenantConcurrent) {
      const now = this.clock.now();
      this.rollDay(s, now);
      this.refuseWhileParked(s, now);
      this.refuseWhatTheDayCannotPay(s, now);
      if (s.waiters.length === 0) return;
      const perMinute = this.limits.perTenantPerMinute;
      const wait = Math.max(
        s.blockedUntil - now,
        this.appBlockedUntil - now,
        paceWait(s.pace, now, perMinute, this.limits.burst),
        paceWait(this.app, now, this.limits.appPerMinute, Math.ceil(this.limits.appPerMinute / 10)),
      );
      if (wait > 0) {
        await this.clock.sleep(wait);
        continue;
      }
      const w = this.mostUrgent(s, now);
      s.waiters.splice(s.waiters.indexOf(w), 1);
      s.active++;
      s.dayUsed++;
      if (s.dayRemaining !== undefined) s.dayRemaining--;
      take(s.pace, now, perMinute, this.limits.burst);
      take(this.app, now, this.limits.appPerMinute, Math.ceil(this.limits.appPerMinute / 10));
      w.resolve();
    }
  }

  private mostUrgent(s: TenantState, now: number): Waiter {
    const rank = (w: Waiter) => LANE_RANK[w.lane] - Math.floor((now - w.since) / AGING_MS);
    return s.waiters.reduce((best, w) => (rank(w) < rank(best) ? w : best));
  }

  private refuseWhileParked(s: TenantState, now: number) {
    if (s.parkedUntil <= now) return;
    for (const w of s.waiters.splice(0)) w.reject(new DailyLimitExhausted(s.parkedUntil - now, w.lane, true));
  }

  private refuseWhatTheDayCannotPay(s: TenantState, now: number) {
    const perDay = this.limits.perTenantPerDay;
    const left = this.left(s);
    if (!Number.isFinite(left)) return;
    const retryAfter = nextUtcMidnight(now) - now;
    s.waiters = s.waiters.filter((w) => {
      const keep = Number.isFinite(perDay) ? perDay * DAY_RESERVE[w.lane] : 0;
      if (left > keep) return true;
      w.reject(new DailyLimitExhausted(retryAfter, w.lane));
      return false;
    });
  }

  private rollDay(s: TenantState, now: number) {
    const day = utcDay(now);
    if (day === s.day) return;
    s.day = day;
    s.dayUsed = 0;
    s.dayRemaining = undefined;
  }

  /** Reads Xero's remaining-budget headers after a response. */
  observe(tenantId: string, headers: Record<string, unknown>) {
    const s = this.state(tenantId);
    const now = this.clock.now();
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const num = (name: string) => {
      const v = lower[name];
      const n = typeof v === 'string' || typeof v === 'number' ? Number(v) : Number.NaN;
      return Number.isFinite(n) ? n : undefined;
    };
    // Our own pace never spends the whole minute: none left means another process shares this
    // ledger's budget. Pause a few intervals rather than a minute; a 429 says exactly how long.
    if (num('x-minlimit-remaining') === 0) s.blockedUntil = Math.max(s.blockedUntil, now + SHARED_PAUSE_MS);
    if (num('x-applimit-remaining') === 0 || num('x-appminlimit-remaining') === 0) {
      this.appBlockedUntil = Math.max(this.appBlockedUntil, now + MINUTE);
    }
    const day = num('x-daylimit-remaining');
    if (day !== undefined) {
      this.rollDay(s, now);
      s.dayRemaining = day;
    }
  }

  /**
   * After the provider's daily-limit 429: every call to this tenant is refused at once, without
   * waiting, until its Retry-After has passed (callers park the ledger; nothing sleeps for hours).
   */
  park(tenantId: string, ms: number) {
    const s = this.state(tenantId);
    s.parkedUntil = Math.max(s.parkedUntil, this.clock.now() + ms);
    this.pump(s);
  }

  /** After a 429: nobody calls this tenant again until Retry-After has passed. */
  backOff(tenantId: string, ms: number) {
    const s = this.state(tenantId);
    s.blockedUntil = Math.max(s.blockedUntil, this.clock.now() + ms);
    this.pump(s);
  }
}

/**
 * Generic cell rate: each call moves the theoretical arrival time on by one interval; a call may
 * go while that time is at most `burst` intervals ahead. The interval is set so that the burst
 * plus a minute of paced calls is one less than the per-minute limit: no 60-second window ever
 * reaches the limit (so the provider's "none left" header means another process is spending it),
 * and after the burst calls are spaced evenly.
 */
export function interval(perMinute: number, burst: number) {
  return MINUTE / Math.max(1, perMinute - burst - 1);
}
function paceWait(p: Pace, now: number, perMinute: number, burst: number): number {
  if (!Number.isFinite(perMinute)) return 0;
  const step = interval(perMinute, burst);
  return Math.max(0, p.tat - burst * step + step - now);
}
function take(p: Pace, now: number, perMinute: number, burst: number) {
  if (!Number.isFinite(perMinute)) return;
  p.tat = Math.max(p.tat, now) + interval(perMinute, burst);
}

const utcDay = (now: number) => Math.floor(now / 86_400_000);

function nextUtcMidnight(now: number): number {
  return (utcDay(now) + 1) * 86_400_000;
}
