import { daysBetween, type IsoDate } from '../dates.ts';

/** One invoice of payment history, as the mirror or an imported CSV knows it. */
export type HistInvoice = {
  id: string;
  contactId: string;
  issueDate: IsoDate;
  dueDate: IsoDate;
  /** Decimal string; used only as a relative size (ratios, logs), never summed across currencies. */
  amount: string;
  paidDate: IsoDate | null;
  disputed: boolean;
  /** Settled in more than one payment (known once it is settled). */
  partial?: boolean;
  /** The date the customer promised to pay by, if they did. */
  promisedBy?: IsoDate | null;
};

/** Days late of a settled invoice (negative: early). */
export const daysLate = (i: HistInvoice) => daysBetween(i.dueDate, i.paidDate!);

/** Outcome thresholds (days after the due date). */
export const LATE = 0;
export const VERY_LATE = 10;
export const SEVERE = 30;
/** Unpaid this long after the due date counts as "severely late or never". */
export const NEVER_AFTER = 90;

export type Outcome = 'late' | 'veryLate' | 'severe';

/**
 * Whether an outcome is known at `asOf`, and what it is. A paid invoice's lateness is known from
 * its paid date; an unpaid one is known late once the threshold has passed unpaid. Nothing after
 * `asOf` is looked at: this is what keeps training and scoring free of look-ahead.
 */
export function outcomeAt(i: HistInvoice, outcome: Outcome, asOf: IsoDate): boolean | null {
  const threshold = outcome === 'late' ? LATE : outcome === 'veryLate' ? VERY_LATE : SEVERE;
  if (i.paidDate && i.paidDate <= asOf) return daysLate(i) > threshold;
  const overdue = daysBetween(i.dueDate, asOf);
  if (outcome === 'severe') return overdue > NEVER_AFTER ? true : null;
  return overdue > threshold ? true : null;
}
