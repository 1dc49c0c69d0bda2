import { addDays, type IsoDate, localDate, zonedTimeToInstant } from '../dates.ts';
import { compare, parseAmount } from '../money.ts';
import type { Instalment } from './payment-plan.ts';
import { type Policy, type Step, TONES, type Tone } from './policy.ts';
import { type HolidayCheck, nextSendInstant } from './window.ts';

export type PlanInput = {
  invoice: { status: string; dueDate: IsoDate | null; issueDate: IsoDate; total: string; amountDue: string };
  collection: {
    disputed: boolean;
    excluded: boolean;
    handedOff: boolean;
    promiseToPayUntil: IsoDate | null;
    paymentPlan: Instalment[] | null;
  };
  /** archived: archived, merged away or deleted in the ledger (never chased). */
  contact: { excluded: boolean; optedOut: boolean; pausedUntil: Date | null; archived?: boolean };
  policy: Policy;
  /** Step keys already sent (or given up on) for this invoice. */
  done: ReadonlySet<string>;
  /** The tones of the messages actually sent about this invoice (template keys). */
  sentTones?: ReadonlySet<string>;
  now: Date;
  /** The debtor's zone (contact's, else the ledger's). */
  tz: string;
  isHoliday: HolidayCheck;
};

export type Planned = { stepKey: string; step: Step; dueAt: Date; anchor: IsoDate };
export type PlanResult = { planned: Planned } | { planned: null; reason: string };

type Candidate = { key: string; step: Step; date: IsoDate };

/**
 * The next reminder for one invoice, or why there is none. Pure: the same input gives the same
 * answer. Rules:
 * - only open invoices with something due, not disputed, excluded, handed off, opted out;
 * - steps fall on anchor + offset (anchor: due date, or the next unpaid instalment of a plan);
 * - of the steps whose day has come, only the latest is sent (an invoice found 40 days overdue
 *   gets the +35 message, not six messages); a step already sent, or one before it, is never
 *   planned again;
 * - nothing before a promise-to-pay date has passed or a pause ends;
 * - the send time is the next moment inside the debtor-local send window;
 * - the tone escalates one step at a time over what was actually sent: never firm or final as a
 *   first contact, never final without a firm message before (a later step whose day has come
 *   goes out in the tone it is owed, and the cadence escalates from there).
 */
export function planNext(input: PlanInput): PlanResult {
  const { invoice, collection, contact, policy } = input;
  if (invoice.status !== 'open') return { planned: null, reason: `invoice is ${invoice.status}` };
  if (parseAmount(invoice.amountDue) <= 0n) return { planned: null, reason: 'nothing due' };
  if (collection.disputed) return { planned: null, reason: 'disputed' };
  if (collection.excluded) return { planned: null, reason: 'invoice excluded' };
  if (collection.handedOff) return { planned: null, reason: 'handed off to an agency' };
  if (contact.archived) return { planned: null, reason: 'contact archived in the ledger' };
  if (contact.excluded) return { planned: null, reason: 'contact excluded' };
  if (contact.optedOut) return { planned: null, reason: 'contact opted out' };

  const { anchor, prefix } = anchorOf(input);
  const candidates: Candidate[] = policy.steps.map((step) => ({
    key: `${prefix}${step.key}`,
    step,
    date: addDays(anchor, step.offsetDays),
  }));
  const last = policy.steps.at(-1)!;
  if (policy.repeatLast) {
    for (let n = 1; n <= policy.repeatLast.max; n++) {
      candidates.push({
        key: `${prefix}${last.key}#r${n}`,
        step: last,
        date: addDays(anchor, last.offsetDays + n * policy.repeatLast.everyDays),
      });
    }
  }
  const today = localDate(input.now, input.tz);
  // The cadence only moves forward: nothing before the last step done is planned, even if its day
  // is "now" again (the clock stepped back after a jump forward had skipped it).
  const lastDone = candidates.findLastIndex((c) => input.done.has(c.key));
  const ahead = candidates.slice(lastDone + 1);
  const latest = ahead.filter((c) => c.date <= today).at(-1);
  const next = latest ?? ahead.find((c) => c.date > today);
  if (!next) return { planned: null, reason: 'cadence complete' };

  const windowStart = policy.sendWindow.weekdays?.[0] ?? policy.sendWindow.weekends?.[0] ?? '09:00';
  let earliest = zonedTimeToInstant(next.date, windowStart, input.tz);
  if (earliest < input.now) earliest = input.now;
  if (collection.promiseToPayUntil) {
    const afterPromise = zonedTimeToInstant(addDays(collection.promiseToPayUntil, 1), '00:00', input.tz);
    if (afterPromise > earliest) earliest = afterPromise;
  }
  if (contact.pausedUntil && contact.pausedUntil > earliest) earliest = contact.pausedUntil;
  const dueAt = nextSendInstant(earliest, input.tz, policy.sendWindow, input.isHoliday);
  if (!dueAt) return { planned: null, reason: 'send window never opens' };
  return { planned: { stepKey: next.key, step: capTone(next.step, input.sentTones), dueAt, anchor } };
}

/** Neutral for a first contact; otherwise one tone above the most severe message sent. */
function capTone(step: Step, sentTones: ReadonlySet<string> = new Set()): Step {
  if (step.kind !== 'email') return step;
  const severest = Math.max(-1, ...[...sentTones].map((t) => TONES.indexOf(t as Tone)));
  const cap = Math.max(TONES.indexOf('neutral'), severest + 1);
  if (TONES.indexOf(step.tone) <= cap) return step;
  const tone = TONES[cap]!;
  return { ...step, tone, template: tone };
}

/**
 * Due date, or for a payment plan the first instalment not yet covered by what has been paid
 * (plan total minus amount due); each instalment is chased with its own step keys.
 */
function anchorOf(input: PlanInput): { anchor: IsoDate; prefix: string } {
  const plan = input.collection.paymentPlan;
  const base = input.invoice.dueDate ?? input.invoice.issueDate;
  if (!plan || plan.length === 0) return { anchor: base, prefix: '' };
  const sorted = [...plan].sort((a, b) => (a.dueDate < b.dueDate ? -1 : 1));
  const planTotal = sorted.reduce((s, i) => s + parseAmount(i.amount), 0n);
  const paid = planTotal - parseAmount(input.invoice.amountDue);
  let cumulative = 0n;
  for (const [i, inst] of sorted.entries()) {
    cumulative += parseAmount(inst.amount);
    if (compare(cumulative, paid) > 0) return { anchor: inst.dueDate, prefix: `plan${i + 1}:` };
  }
  return { anchor: sorted.at(-1)!.dueDate, prefix: `plan${sorted.length}:` };
}

/** The policy step a planned key came from: "plan2:post+35#r1" → "post+35". */
export const policyStepKey = (stepKey: string) => stepKey.replace(/^plan\d+:/, '').replace(/#r\d+$/, '');
