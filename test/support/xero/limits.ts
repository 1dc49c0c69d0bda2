import { HttpResponse } from 'msw';

/**
 * Xero's API limits as Xero enforces them, for fakes that must not be kinder than Xero: per
 * organisation 5 calls in flight, 60 in any rolling minute and 5,000 a UTC day. Over a limit the
 * call is refused with 429, `Retry-After` and `X-Rate-Limit-Problem` (concurrent, minute or day),
 * and every answer carries the remaining-budget headers Xero sends.
 * (developer.xero.com/documentation/guides/oauth2/limits)
 */
export class XeroLimits {
  private readonly tenants = new Map<string, { inFlight: number; calls: number[]; day: number; dayCalls: number }>();
  /** Calls refused, by problem: a client that paces itself sees none. */
  readonly refused = { concurrent: 0, minute: 0, day: 0 };
  /** The most calls of one organisation in flight at once, and admitted in any 60 s (benchmarks). */
  readonly peak = { inFlight: 0, perMinute: 0 };

  constructor(
    readonly perMinute = 60,
    readonly perDay = 5_000,
    readonly concurrent = 5,
  ) {}

  /** Admits a call (then `release` must follow) or returns Xero's 429. */
  admit(
    tenantId: string,
    now = Date.now(),
  ): { refusal: Response } | { release: () => void; headers: Record<string, string> } {
    const day = Math.floor(now / 86_400_000);
    const t = this.tenants.get(tenantId) ?? { inFlight: 0, calls: [], day, dayCalls: 0 };
    this.tenants.set(tenantId, t);
    if (t.day !== day) Object.assign(t, { day, dayCalls: 0 });
    t.calls = t.calls.filter((c) => c > now - 60_000);
    const refuse = (problem: 'concurrent' | 'minute' | 'day', retryAfterS: number) => {
      this.refused[problem]++;
      return {
        refusal: HttpResponse.json(
          { Title: 'Too Many Requests', Status: 429 },
          {
            status: 429,
            headers: { 'Retry-After': String(retryAfterS), 'X-Rate-Limit-Problem': problem, ...this.remaining(t) },
          },
        ),
      };
    };
    if (t.dayCalls >= this.perDay) return refuse('day', Math.ceil(((day + 1) * 86_400_000 - now) / 1000));
    if (t.calls.length >= this.perMinute) return refuse('minute', Math.ceil((t.calls[0]! + 60_000 - now) / 1000));
    if (t.inFlight >= this.concurrent) return refuse('concurrent', 1);
    t.inFlight++;
    t.calls.push(now);
    this.peak.inFlight = Math.max(this.peak.inFlight, t.inFlight);
    this.peak.perMinute = Math.max(this.peak.perMinute, t.calls.length);
    t.dayCalls++;
    let done = false;
    return {
      headers: this.remaining(t),
      release: () => {
        if (!done) t.inFlight--;
        done = true;
      },
    };
  }

  private remaining(t: { calls: number[]; dayCalls: number }) {
    return {
      'X-MinLimit-Remaining': String(Math.max(0, this.perMinute - t.calls.length)),
      'X-DayLimit-Remaining': String(Math.max(0, this.perDay - t.dayCalls)),
      'X-AppMinLimit-Remaining': '9000',
    };
  }
}
