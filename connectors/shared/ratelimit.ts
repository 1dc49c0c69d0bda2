/**
 * Provider rate limits, enforced before we call rather than discovered by 429s: per ledger
 * (Xero tenant, QuickBooks realm) a concurrency cap and a per-minute budget, plus an app-wide
 * per-minute budget. Xero's remaining-budget headers (X-MinLimit-Remaining, X-DayLimit-Remaining,
 * X-AppMinLimit-Remaining) tighten it further when other processes share the budget.
 */
export type LimiterClock = { now(): number; sleep(ms: number): Promise<void> };

export type Limits = { perTenantConcurrent: number; perTenantPerMinute: number; appPerMinute: number };
/** Xero: 5 concurrent and 60/min per organisation, 10,000/min per app (5,000/day via headers). */
const XERO_LIMITS: Limits = { perTenantConcurrent: 5, perTenantPerMinute: 60, appPerMinute: 10_000 };
/** QuickBooks Online: 10 concurrent and 500/min per realm. */
export const QUICKBOOKS_LIMITS: Limits = {
  perTenantConcurrent: 10,
  perTenantPerMinute: 500,
  appPerMinute: Number.POSITIVE_INFINITY,
};

const MINUTE = 60_000;

type TenantState = {
  active: number;
  waiters: (() => void)[];
  calls: number[];
  blockedUntil: number;
  dayExhaustedUntil: number;
};

export class DailyLimitExhausted extends Error {
  constructor(readonly retryAfterMs: number) {
    super('daily call limit reached for this ledger');
  }
}

export class RateLimiter {
  private tenants = new Map<string, TenantState>();
  private appCalls: number[] = [];
  private appBlockedUntil = 0;

  constructor(
    private readonly clock: LimiterClock,
    private readonly limits: Limits = XERO_LIMITS,
  ) {}

  private state(tenantId: string): TenantState {
    let s = this.tenants.get(tenantId);
    if (!s) {
      s = { active: 0, waiters: [], calls: [], blockedUntil: 0, dayExhaustedUntil: 0 };
      this.tenants.set(tenantId, s);
    }
    return s;
  }

  /** Waits for a slot; returns the release function to call when the HTTP call is done. */
  async acquire(tenantId: string): Promise<() => void> {
    const s = this.state(tenantId);
    if (s.active >= this.limits.perTenantConcurrent) {
      await new Promise<void>((r) => s.waiters.push(r));
    } else {
      s.active++;
    }
    try {
      await this.waitForWindow(s);
    } catch (err) {
      this.release(s);
      throw err;
    }
    let released = false;
    return () => {
      if (!released) {
        released = true;
        this.release(s);
      }
    };
  }

  private release(s: TenantState) {
    const next = s.waiters.shift();
    if (next) next();
    else s.active--;
  }

  private async waitForWindow(s: TenantState) {
    for (;;) {
      const now = this.clock.now();
      if (s.dayExhaustedUntil > now) throw new DailyLimitExhausted(s.dayExhaustedUntil - now);
      s.calls = s.calls.filter((t) => t > now - MINUTE);
      this.appCalls = this.appCalls.filter((t) => t > now - MINUTE);
      let wait = Math.max(s.blockedUntil, this.appBlockedUntil) - now;
      if (s.calls.length >= this.limits.perTenantPerMinute) wait = Math.max(wait, s.calls[0]! + MINUTE - now);
      if (this.appCalls.length >= this.limits.appPerMinute) wait = Math.max(wait, this.appCalls[0]! + MINUTE - now);
      if (wait <= 0) {
        s.calls.push(now);
        this.appCalls.push(now);
        return;
      }
      await this.clock.sleep(wait);
    }
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
    if (num('x-minlimit-remaining') === 0) s.blockedUntil = Math.max(s.blockedUntil, now + MINUTE);
    if (num('x-applimit-remaining') === 0 || num('x-appminlimit-remaining') === 0) {
      this.appBlockedUntil = Math.max(this.appBlockedUntil, now + MINUTE);
    }
    if (num('x-daylimit-remaining') === 0) s.dayExhaustedUntil = nextUtcMidnight(now);
  }

  /** After a 429: nobody calls this tenant again until Retry-After has passed. */
  backOff(tenantId: string, ms: number) {
    const s = this.state(tenantId);
    s.blockedUntil = Math.max(s.blockedUntil, this.clock.now() + ms);
  }
}

function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
}
