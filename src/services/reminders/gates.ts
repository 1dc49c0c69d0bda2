import type { GateResult } from '../../db/schema/index.ts';
import { insideWindow, nextSendInstant, type HolidayCheck, wallTime } from '../../domain/cadence/window.ts';
import type { Policy } from '../../domain/cadence/policy.ts';
import { parseAmount } from '../../domain/money.ts';

export type InvoiceFacts = {
  id: string;
  status: string;
  amountDue: string;
  disputed: boolean;
  excluded: boolean;
  handedOff: boolean;
  promiseToPayUntil: string | null;
};

/** Invoice gates at send time, on the freshly fetched state; null when the invoice may be chased. */
export function invoiceGate(i: InvoiceFacts, today: string): string | null {
  if (i.status !== 'open') return `invoice is ${i.status}`;
  if (parseAmount(i.amountDue) <= 0n) return 'nothing due';
  if (i.disputed) return 'disputed';
  if (i.excluded) return 'invoice excluded';
  if (i.handedOff) return 'handed off to an agency';
  if (i.promiseToPayUntil && i.promiseToPayUntil >= today) return `promise to pay until ${i.promiseToPayUntil}`;
  return null;
}

export type ContactFacts = {
  email: string | null;
  optedOut: boolean;
  excluded: boolean;
  pausedUntil: Date | null;
  /** Archived, merged away or deleted in the ledger. */
  archived?: boolean;
};

/**
 * Why a reminder waits when nobody knows the debtor's local time: neither the debtor's zone nor a
 * ledger zone anyone has confirmed. Confirming the zone releases every reminder held for this.
 */
export const ZONE_HOLD = "held until the ledger's time zone is confirmed (it was guessed from the country)";
const ZONE_RECHECK_MS = 24 * 3_600_000;

/** What to do with a reminder whose contact-level gates are evaluated at `now`. */
export type Decision =
  | { action: 'send'; gates: GateResult[] }
  | { action: 'reschedule'; at: Date; gates: GateResult[]; reason: string }
  | { action: 'cancel' | 'skip'; gates: GateResult[]; reason: string };

/**
 * Contacts a debtor may receive whatever the policy says: the Australian debt collection
 * guideline's at most 3 a week and 10 a month (Regulation F's 7-in-7 concerns calls).
 */
const LEGAL_FREQUENCY = [
  { max: 3, perDays: 7 },
  { max: 10, perDays: 30 },
] as const;

/**
 * Contact, connection, time zone, window and frequency gates, in that order; each records its result. The
 * frequency cap counts messages already sent to the contact across all invoices.
 */
export function contactGates(input: {
  now: Date;
  contact: ContactFacts;
  connectionHealthy: boolean;
  tz: string;
  /** Whether `tz` is the debtor's, or a ledger zone the provider or the owner stated (not guessed). */
  zoneKnown: boolean;
  policy: Policy;
  isHoliday: HolidayCheck;
  /** Send times of this contact's messages within the cap's period, oldest first. */
  recentSends: Date[];
}): Decision {
  const { now, contact, policy, tz } = input;
  const gates: GateResult[] = [];
  const fail = (gate: string, detail: string) => gates.push({ gate, ok: false, detail });
  const pass = (gate: string, detail?: string) => gates.push({ gate, ok: true, ...(detail ? { detail } : {}) });

  if (contact.archived) {
    fail('archived', 'contact archived in the ledger');
    return { action: 'cancel', gates, reason: 'contact archived in the ledger' };
  }
  pass('archived');
  if (contact.optedOut) {
    fail('opt_out', 'contact opted out');
    return { action: 'cancel', gates, reason: 'contact opted out' };
  }
  pass('opt_out');
  if (contact.excluded) {
    fail('excluded', 'contact excluded');
    return { action: 'cancel', gates, reason: 'contact excluded' };
  }
  pass('excluded');
  if (!contact.email) {
    fail('email', 'contact has no email address');
    return { action: 'skip', gates, reason: 'contact has no email address' };
  }
  pass('email');
  if (contact.pausedUntil && contact.pausedUntil > now) {
    fail('paused', `paused until ${contact.pausedUntil.toISOString()}`);
    return {
      action: 'reschedule',
      at: nextSendInstant(contact.pausedUntil, tz, policy.sendWindow, input.isHoliday) ?? contact.pausedUntil,
      gates,
      reason: 'contact paused',
    };
  }
  pass('paused');
  if (!input.connectionHealthy) {
    fail('connection', 'ledger connection needs attention');
    return { action: 'reschedule', at: new Date(now.getTime() + 3_600_000), gates, reason: 'connection unhealthy' };
  }
  pass('connection');
  // A send window in a guessed zone may be the middle of the debtor's night: wait to be told.
  if (!input.zoneKnown) {
    fail('time_zone', `the debtor's local time is not known (${tz} is a guess)`);
    return { action: 'reschedule', at: new Date(now.getTime() + ZONE_RECHECK_MS), gates, reason: ZONE_HOLD };
  }
  pass('time_zone');
  if (!insideWindow(now, tz, policy.sendWindow, input.isHoliday)) {
    fail('send_window', `${wallTime(now, tz)} in ${tz} is outside the send window`);
    const at = nextSendInstant(now, tz, policy.sendWindow, input.isHoliday);
    return at
      ? { action: 'reschedule', at, gates, reason: 'outside send window' }
      : { action: 'skip', gates, reason: 'send window never opens' };
  }
  pass('send_window', `${wallTime(now, tz)} ${tz}`);
  // The policy's cap and the legal ceilings every policy sits under: the send waits until all of
  // them have room.
  let frees: Date | null = null;
  const full: string[] = [];
  let policyCount = 0;
  for (const cap of [policy.frequencyCap, ...LEGAL_FREQUENCY]) {
    const { max, perDays } = cap;
    const periodStart = now.getTime() - perDays * 86_400_000;
    const inPeriod = input.recentSends
      .filter((t) => t.getTime() > periodStart)
      .sort((a, b) => a.getTime() - b.getTime());
    if (cap === policy.frequencyCap) policyCount = inPeriod.length;
    if (inPeriod.length < max) continue;
    full.push(
      `${inPeriod.length} of ${max} messages in ${perDays} days${cap === policy.frequencyCap ? '' : ' (the legal ceiling)'}`,
    );
    const at = new Date(inPeriod[inPeriod.length - max]!.getTime() + perDays * 86_400_000 + 1000);
    if (!frees || at > frees) frees = at;
  }
  if (frees) {
    fail('frequency_cap', full.join('; '));
    return {
      action: 'reschedule',
      at: nextSendInstant(frees, tz, policy.sendWindow, input.isHoliday) ?? frees,
      gates,
      reason: 'frequency cap',
    };
  }
  const { max, perDays } = policy.frequencyCap;
  pass('frequency_cap', `${policyCount} of ${max} in ${perDays} days`);
  return { action: 'send', gates };
}
