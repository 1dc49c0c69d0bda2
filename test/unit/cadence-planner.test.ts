import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, isoWeekday, localDate } from '../../src/domain/dates.ts';
import { holidaysFor } from '../../src/domain/cadence/holidays.ts';
import { planNext, type PlanInput } from '../../src/domain/cadence/planner.ts';
import { BUILT_IN_POLICIES, type Policy, PolicySchema } from '../../src/domain/cadence/policy.ts';
import {
  insideWindow,
  LEGAL_HOURS,
  legalWindowProblem,
  nextSendInstant,
  wallTime,
} from '../../src/domain/cadence/window.ts';
import { contactGates, ZONE_HOLD } from '../../src/services/reminders/gates.ts';

const standard = BUILT_IN_POLICIES.standard;
const base = (over: Partial<PlanInput> = {}): PlanInput => ({
  invoice: { status: 'open', dueDate: '2026-11-20', issueDate: '2026-10-21', total: '100.00', amountDue: '100.00' },
  collection: { disputed: false, excluded: false, handedOff: false, promiseToPayUntil: null, paymentPlan: null },
  contact: { excluded: false, optedOut: false, pausedUntil: null },
  policy: standard,
  done: new Set(),
  now: new Date('2026-11-10T00:00:00Z'),
  tz: 'Pacific/Auckland',
  isHoliday: holidaysFor('NZ'),
  ...over,
});
const planned = (i: PlanInput) => {
  const r = planNext(i);
  if (!r.planned) throw new Error(`no plan: ${r.reason}`);
  return r.planned;
};

describe('planner', () => {
  it('plans the first step before the due date, at the window start in the debtor’s zone', () => {
    const p = planned(base());
    expect(p.stepKey).toBe('pre-3');
    // 17 Nov 2026 08:00 in Auckland (NZDT, UTC+13) = 16 Nov 19:00 UTC.
    expect(p.dueAt.toISOString()).toBe('2026-11-16T19:00:00.000Z');
  });

  it('sends only the latest step whose day has come, and never a step twice', () => {
    const now = new Date('2026-12-28T01:00:00Z'); // 38 days after due
    expect(planned(base({ now })).stepKey).toBe('post+35');
    expect(planned(base({ now, done: new Set(['post+35']) })).stepKey).toBe('post+35#r1');
    const all = new Set([...standard.steps.map((s) => s.key), 'post+35#r1', 'post+35#r2', 'post+35#r3']);
    expect(planNext(base({ now, done: all }))).toEqual({ planned: null, reason: 'cadence complete' });
  });

  it('never opens firm or final: the tone escalates one step at a time over what was actually sent', () => {
    const now = new Date('2026-12-28T01:00:00Z'); // 38 days after due: post+35 (final) is owed
    expect(standard.steps.find((s) => s.key === 'post+35')!.tone).toBe('final');
    // Found 38 days overdue and never written to: the step owed, in a first-contact tone.
    expect(planned(base({ now })).step).toMatchObject({ key: 'post+35', tone: 'neutral', template: 'neutral' });
    // A neutral message was sent: firm next, still not final.
    expect(planned(base({ now, sentTones: new Set(['neutral']) })).step).toMatchObject({
      tone: 'firm',
      template: 'firm',
    });
    // A firm one was sent: final.
    expect(planned(base({ now, sentTones: new Set(['friendly', 'firm']) })).step).toMatchObject({ tone: 'final' });
    // Reminded but nothing reached the debtor (steps given up on): still a first contact.
    expect(planned(base({ now, done: new Set(['post+21']) })).step.tone).toBe('neutral');
    // Gentle steps are never raised.
    expect(planned(base()).step).toMatchObject({ key: 'pre-3', tone: 'friendly' });
  });

  it('property: no planned message is more than one tone above the most severe one sent', () => {
    const tones = ['friendly', 'neutral', 'firm', 'final'] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: -10, max: 90 }),
        fc.subarray([...tones]),
        fc.constantFrom(...Object.values(BUILT_IN_POLICIES)),
        (daysAfterDue, sent, policy) => {
          const now = new Date(Date.parse('2026-11-20T01:00:00Z') + daysAfterDue * 86_400_000);
          const r = planNext(base({ now, policy, sentTones: new Set(sent) }));
          if (r.planned?.step.kind !== 'email') return;
          const severest = Math.max(-1, ...sent.map((t) => tones.indexOf(t)));
          expect(tones.indexOf(r.planned.step.tone)).toBeLessThanOrEqual(Math.max(1, severest + 1));
        },
      ),
    );
  });

  it('never walks the cadence back: nothing before the last step done, whatever the clock says', () => {
    // +21 went out after a jump forward skipped due, +3 and +10; the clock is then stepped back to
    // a day when +10 would be the latest step: the next is still the one after +21.
    const now = new Date('2026-12-07T20:00:00Z'); // 8 Dec in Auckland: +10 is the latest step by date
    expect(planned(base({ now })).stepKey).toBe('post+10');
    const p = planned(base({ now, done: new Set(['pre-3', 'post+21']) }));
    expect(p.stepKey).toBe('post+35');
    expect(localDate(p.dueAt, 'Pacific/Auckland') >= '2026-12-25').toBe(true);
  });

  it('plans nothing for paid, voided, disputed, excluded, handed-off or opted-out invoices', () => {
    const cases: [Partial<PlanInput>, string][] = [
      [{ invoice: { ...base().invoice, status: 'paid', amountDue: '0' } }, 'invoice is paid'],
      [{ invoice: { ...base().invoice, status: 'voided' } }, 'invoice is voided'],
      [{ invoice: { ...base().invoice, amountDue: '0.00' } }, 'nothing due'],
      [{ collection: { ...base().collection, disputed: true } }, 'disputed'],
      [{ collection: { ...base().collection, excluded: true } }, 'invoice excluded'],
      [{ collection: { ...base().collection, handedOff: true } }, 'handed off to an agency'],
      [{ contact: { ...base().contact, optedOut: true } }, 'contact opted out'],
    ];
    for (const [over, reason] of cases) expect(planNext(base(over))).toEqual({ planned: null, reason });
  });

  it('waits for a promise-to-pay date and for a pause to end', () => {
    const now = new Date('2026-11-25T00:00:00Z');
    const promised = planned(base({ now, collection: { ...base().collection, promiseToPayUntil: '2026-12-02' } }));
    expect(localDate(promised.dueAt, 'Pacific/Auckland') > '2026-12-02').toBe(true);
    const until = new Date('2026-12-10T03:00:00Z');
    expect(planned(base({ now, contact: { ...base().contact, pausedUntil: until } })).dueAt >= until).toBe(true);
  });

  it('chases a payment plan per instalment, with its own step keys', () => {
    const paymentPlan = [
      { dueDate: '2026-12-01', amount: '50.00' },
      { dueDate: '2027-01-01', amount: '50.00' },
    ];
    const first = planned(
      base({ now: new Date('2026-12-05T00:00:00Z'), collection: { ...base().collection, paymentPlan } }),
    );
    expect(first.stepKey).toBe('plan1:post+3');
    expect(first.anchor).toBe('2026-12-01');
    // Half paid: the next instalment is the anchor.
    const second = planned(
      base({
        now: new Date('2026-12-05T00:00:00Z'),
        invoice: { ...base().invoice, amountDue: '50.00' },
        collection: { ...base().collection, paymentPlan },
      }),
    );
    expect(second).toMatchObject({ stepKey: 'plan2:pre-3', anchor: '2027-01-01' });
  });

  it('skips public holidays of the ledger’s country (Christmas in New Zealand)', () => {
    const p = planned(
      base({ invoice: { ...base().invoice, dueDate: '2026-12-28' }, now: new Date('2026-12-24T12:00:00Z') }),
    );
    // pre-3 falls on 25 Dec (holiday), then 26 Dec (Sat), 27 (Sun), 28 (Mon, Boxing Day observed) → 29 Dec.
    expect(localDate(p.dueAt, 'Pacific/Auckland')).toBe('2026-12-29');
  });
});

const zones = fc.constantFrom(
  'Pacific/Auckland',
  'Pacific/Chatham',
  'America/Los_Angeles',
  'America/New_York',
  'Europe/London',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'UTC',
);
const countries = fc.constantFrom('NZ', 'AU', 'US', 'GB', 'CA', null);
const instant = fc
  .integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-12-31T00:00:00Z') })
  .map((t) => new Date(t));

describe('planner properties (random zones incl. DST changes, due dates, policies)', () => {
  it('never plans outside the debtor-local window, never before now, never for a step already done', () => {
    fc.assert(
      fc.property(
        zones,
        countries,
        instant,
        fc.integer({ min: -90, max: 90 }),
        fc.constantFrom('gentle', 'standard', 'firm'),
        fc.subarray(standard.steps.map((s) => s.key)),
        (tz, country, now, dueIn, name, done) => {
          const policy = BUILT_IN_POLICIES[name as 'gentle'];
          const isHoliday = holidaysFor(country);
          const r = planNext(
            base({
              tz,
              now,
              isHoliday,
              policy,
              done: new Set(done),
              invoice: { ...base().invoice, dueDate: addDays(localDate(now, tz), dueIn) },
            }),
          );
          if (!r.planned) return true;
          return (
            insideWindow(r.planned.dueAt, tz, policy.sendWindow, isHoliday) &&
            r.planned.dueAt >= now &&
            !done.includes(r.planned.stepKey)
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('finds the next window instant for any start, zone and window, on a weekday that is not a holiday', () => {
    fc.assert(
      fc.property(
        zones,
        countries,
        instant,
        fc.constantFrom<Policy['sendWindow']>(
          { weekdays: ['08:00', '18:00'], weekends: null, skipHolidays: true },
          { weekdays: ['08:00', '21:00'], weekends: ['09:00', '21:00'], skipHolidays: false },
          { weekdays: ['06:00', '23:30'], weekends: ['05:00', '23:00'], skipHolidays: true },
        ),
        (tz, country, from, window) => {
          const isHoliday = holidaysFor(country);
          const at = nextSendInstant(from, tz, window, isHoliday)!;
          return (
            at >= from &&
            insideWindow(at, tz, window, isHoliday) &&
            (window.skipHolidays ? !isHoliday(localDate(at, tz)) : true)
          );
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never sends outside the legal hours, whatever window a policy stored before the floors says', () => {
    const hhmm = fc
      .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 15, 30, 45))
      .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
    const hours = fc
      .tuple(hhmm, hhmm)
      .filter(([a, b]) => a < b)
      .map(([a, b]) => [a, b] as [string, string]);
    fc.assert(
      fc.property(zones, instant, fc.option(hours), fc.option(hours), (tz, from, weekdays, weekends) => {
        const window = { weekdays, weekends, skipHolidays: false };
        const at = nextSendInstant(from, tz, window);
        if (!at) return true;
        const weekend = isoWeekday(localDate(at, tz)) >= 6;
        const [open, close] = weekend ? LEGAL_HOURS.weekends : LEGAL_HOURS.weekdays;
        const time = wallTime(at, tz);
        return time >= open && time < close && insideWindow(at, tz, window);
      }),
      { numRuns: 3000 },
    );
  });
});

describe('policies', () => {
  it('accepts the built-ins and rejects unordered steps, duplicate keys and bad windows', () => {
    for (const p of Object.values(BUILT_IN_POLICIES)) expect(PolicySchema.safeParse(p).success).toBe(true);
    const bad = [
      { ...standard, steps: [...standard.steps].reverse() },
      { ...standard, steps: [standard.steps[0], standard.steps[0]] },
      { ...standard, sendWindow: { weekdays: ['18:00', '08:00'], weekends: null, skipHolidays: true } },
      { ...standard, steps: [] },
    ];
    for (const b of bad) expect(PolicySchema.safeParse(b).success).toBe(false);
  });

  it('names the legal floor a send window reaches past (Regulation F, the Australian guideline)', () => {
    const w = (weekdays: [string, string] | null, weekends: [string, string] | null) => ({
      weekdays,
      weekends,
      skipHolidays: true,
    });
    expect(legalWindowProblem(w(['08:00', '21:00'], ['09:00', '21:00']))).toBeNull();
    expect(legalWindowProblem(w(['07:30', '18:00'], null))).toMatch(
      /^weekdays sends must fall between 08:00 and 21:00/,
    );
    expect(legalWindowProblem(w(['08:00', '21:30'], null))).toMatch(
      /^weekdays sends must fall between 08:00 and 21:00/,
    );
    expect(legalWindowProblem(w(null, ['08:00', '12:00']))).toMatch(
      /^weekends sends must fall between 09:00 and 21:00/,
    );
  });
});

/** The gates for a reachable, healthy contact with these past sends, on no holiday. */
const gatesFor = (now: Date, tz: string, policy: Policy, recentSends: Date[], zoneKnown = true) =>
  contactGates({
    now,
    contact: { email: 'a@b.c', optedOut: false, excluded: false, pausedUntil: null },
    connectionHealthy: true,
    tz,
    zoneKnown,
    policy,
    isHoliday: () => false,
    recentSends,
  });

describe('gate properties', () => {
  it('holds, never sends to, a debtor whose local time nobody knows, at any hour in any zone (reliability #26)', () => {
    fc.assert(
      fc.property(zones, instant, fc.constantFrom(...Object.values(BUILT_IN_POLICIES)), (tz, now, policy) => {
        const d = gatesFor(now, tz, policy, [], false);
        expect(d).toMatchObject({ action: 'reschedule', reason: ZONE_HOLD });
        expect(d.gates.at(-1)).toMatchObject({ gate: 'time_zone', ok: false });
        // Known, the same moment is decided by the window alone.
        const known = gatesFor(now, tz, policy, [], true);
        expect(known.action === 'send').toBe(insideWindow(now, tz, policy.sendWindow));
      }),
      { numRuns: 2000 },
    );
  });

  it('holds every policy to the legal ceilings: at most 3 messages in 7 days and 10 in 30', () => {
    // A policy that would allow ten a day; the weekends are open so the window never decides.
    const eager: Policy = {
      ...BUILT_IN_POLICIES.standard,
      frequencyCap: { max: 10, perDays: 1 },
      sendWindow: { weekdays: ['08:00', '21:00'], weekends: ['09:00', '21:00'], skipHolidays: false },
    };
    const day = 86_400_000;
    fc.assert(
      fc.property(
        zones,
        instant,
        fc.array(fc.integer({ min: 1, max: 40 * day }), { maxLength: 14 }),
        (tz, now, agos) => {
          const recentSends = agos.map((a) => new Date(now.getTime() - a));
          const d = gatesFor(now, tz, eager, recentSends);
          const within = (days: number, at = now) =>
            recentSends.filter((t) => t.getTime() > at.getTime() - days * day).length;
          if (d.action === 'send') return within(7) < 3 && within(30) < 10;
          if (d.action === 'reschedule' && d.reason === 'frequency cap')
            return (within(7) >= 3 || within(30) >= 10) && within(7, d.at) < 3 && within(30, d.at) < 10;
          return d.action === 'reschedule'; // outside the legal hours
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('never lets a contact get more than the cap in any period, and never plans a settled invoice', () => {
    fc.assert(
      fc.property(
        zones,
        instant,
        fc.array(fc.integer({ min: 0, max: 14 * 86_400_000 }), { maxLength: 6 }),
        (tz, now, agos) => {
          const policy = BUILT_IN_POLICIES.standard;
          const recentSends = agos.map((a) => new Date(now.getTime() - a));
          const d = gatesFor(now, tz, policy, recentSends);
          const inWeek = recentSends.filter((t) => t.getTime() > now.getTime() - 7 * 86_400_000).length;
          if (d.action === 'send') return inWeek < policy.frequencyCap.max && insideWindow(now, tz, policy.sendWindow);
          if (d.action === 'reschedule' && d.reason === 'frequency cap') {
            // At the new time, the messages still inside the period are below the cap.
            const still = recentSends.filter((t) => t.getTime() > d.at.getTime() - 7 * 86_400_000).length;
            return inWeek >= policy.frequencyCap.max && still < policy.frequencyCap.max;
          }
          return d.action === 'reschedule';
        },
      ),
      { numRuns: 3000 },
    );
    fc.assert(
      fc.property(
        zones,
        instant,
        fc.constantFrom('paid', 'voided', 'deleted', 'draft', 'submitted'),
        (tz, now, status) => planNext(base({ tz, now, invoice: { ...base().invoice, status } })).planned === null,
      ),
      { numRuns: 500 },
    );
  });
});
