import { addDays, daysBetween, type IsoDate } from '../dates.ts';
import type { HistInvoice } from './history.ts';

/**
 * When an open invoice will be paid, as a distribution rather than a single guess: a
 * Kaplan–Meier estimate of days from the due date to payment, from the customer's own invoices
 * (paid ones as events, unpaid ones as "not yet, after this many days", so debt still open is not
 * ignored) with the ledger's curve mixed in as a few pseudo-invoices, so a customer with two
 * invoices is not judged on two invoices. For an open invoice it is read from today onwards,
 * given that it is still unpaid: the median date, a 10–90 % range, and the chance of payment
 * within 90 days. Pure: no I/O, nothing after `asOf` is used.
 */

/** Days relative to the due date the curve covers: payments earlier count as on the first day. */
const FIRST = -60;
const LAST = 365;
const DAYS = LAST - FIRST + 1;
/** Weight of the ledger's curve in a customer's, in invoices. */
const PRIOR_WEIGHT = 3;
/** Fewer settled invoices than this in the ledger and there is no curve to speak of. */
const MIN_SETTLED = 20;
/** Below this chance of payment within 90 days an invoice gets no date: it needs action. */
export const UNLIKELY_BELOW = 0.3;

/** The ledger's daily hazard of payment (index 0 = FIRST days from due); null with too little history. */
export type PayCurve = { hazard: number[] } | null;

export type PayTime =
  | { unlikely: false; median: IsoDate; from: IsoDate; to: IsoDate | null; pWithin90: number }
  | { unlikely: true; median: null; from: null; to: null; pWithin90: number };

const slot = (days: number) => Math.min(DAYS - 1, Math.max(0, days - FIRST));

/** Events and numbers at risk per day, from invoices as known at `asOf`. */
function counts(invoices: readonly HistInvoice[], asOf: IsoDate, skip?: string) {
  const events = new Float64Array(DAYS);
  const exits = new Float64Array(DAYS + 1);
  let n = 0;
  for (const i of invoices) {
    if (i.id === skip || i.issueDate > asOf) continue;
    n++;
    if (i.paidDate !== null && i.paidDate <= asOf) {
      const k = slot(daysBetween(i.dueDate, i.paidDate));
      events[k]!++;
      exits[k + 1]!++;
    } else {
      // Unpaid at asOf: known to take longer than it has so far (censored); from day `k` on it is unknown.
      const k = slot(daysBetween(i.dueDate, asOf) + 1);
      exits[k]!++;
    }
  }
  return { events, exits, n };
}

/** The ledger's curve as of `asOf`. */
export function ledgerPayCurve(history: readonly HistInvoice[], asOf: IsoDate): PayCurve {
  const settled = history.filter((i) => i.paidDate !== null && i.paidDate <= asOf).length;
  if (settled < MIN_SETTLED) return null;
  const { events, exits, n } = counts(history, asOf);
  let atRisk = n;
  const hazard = Array.from({ length: DAYS }, (_, k) => {
    atRisk -= exits[k]!;
    const h = atRisk > 0 ? events[k]! / atRisk : 0;
    return Math.round(h * 1e6) / 1e6;
  });
  return { hazard };
}

/**
 * The payment outlook of `target`, open at `asOf`, from the customer's `mine` invoices and the
 * ledger's curve. Null when the ledger has no curve (too little history to say).
 */
export function payTime(
  curve: PayCurve,
  mine: readonly HistInvoice[],
  target: HistInvoice,
  asOf: IsoDate,
): PayTime | null {
  if (!curve) return null;
  const own = counts(mine, asOf, target.id);
  // The ledger's survival so far, to weigh its pseudo-invoices still at risk on each day.
  let ledgerAlive = 1;
  let atRisk = own.n;
  const survival = new Float64Array(DAYS + 1);
  survival[0] = 1;
  for (let k = 0; k < DAYS; k++) {
    atRisk -= own.exits[k]!;
    const hl = curve.hazard[k] ?? 0;
    const prior = PRIOR_WEIGHT * ledgerAlive;
    const denominator = Math.max(0, atRisk) + prior;
    const h = denominator > 0 ? (own.events[k]! + prior * hl) / denominator : 0;
    survival[k + 1] = survival[k]! * (1 - Math.min(1, h));
    ledgerAlive *= 1 - hl;
  }
  // Unpaid until today: read the curve from today on, relative to where it stands today.
  const today = slot(daysBetween(target.dueDate, asOf));
  const base = survival[today]!;
  const paidBy = (k: number) => (base > 0 ? 1 - survival[Math.min(DAYS, k + 1)]! / base : 0);
  const pWithin90 = round(paidBy(today + 89));
  if (pWithin90 < UNLIKELY_BELOW) return { unlikely: true, median: null, from: null, to: null, pWithin90 };
  const quantile = (q: number) => {
    for (let k = today; k < DAYS; k++) if (paidBy(k) >= q) return k;
    return null;
  };
  const date = (k: number) => {
    const d = addDays(target.dueDate, k + FIRST);
    return d < asOf ? asOf : d;
  };
  const median = quantile(0.5);
  if (median === null) return { unlikely: true, median: null, from: null, to: null, pWithin90 };
  const to = quantile(0.9);
  return {
    unlikely: false,
    median: date(median),
    from: date(quantile(0.1) ?? median),
    to: to === null ? null : date(to),
    pWithin90,
  };
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;
