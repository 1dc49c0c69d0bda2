import { daysBetween, type IsoDate } from '../dates.ts';
import { daysLate, type HistInvoice, LATE, SEVERE, VERY_LATE } from './history.ts';

/** Priors the features shrink towards: the ledger's own rates (themselves shrunk to a global prior). */
export type Priors = { lateRate: number; veryLateRate: number; severeRate: number; meanDaysLate: number };
export const GLOBAL_PRIORS: Priors = { lateRate: 0.4, veryLateRate: 0.15, severeRate: 0.05, meanDaysLate: 6 };
/** Pseudo-invoices of prior: a contact with k settled invoices weighs its own record k/(k+K). */
const SHRINK_K = 2;

export const FEATURE_NAMES = [
  'lateRatio',
  'lastLate',
  'amountWeightedLateRatio',
  'shareOver10',
  'shareOver30',
  'meanDaysLate',
  'maxDaysLate',
  'recentDaysLate',
  'trend',
  'paidCount',
  'payVsTerms',
  'partialShare',
  'disputes',
  'brokenPromises',
  'openCount',
  'openAmount',
  'overdueCount',
  'maxDaysOverdue',
  'amountVsAverage',
  'termsDays',
  'daysPastDue',
] as const;
export type FeatureName = (typeof FEATURE_NAMES)[number];
export type Features = Record<FeatureName, number>;

const shrink = (value: number, n: number, prior: number) => (n * value + SHRINK_K * prior) / (n + SHRINK_K);
const num = (s: string) => Number(s);

/**
 * Features of one invoice (or, without `target`, of a contact) as of `asOf`: only invoices
 * settled by then count towards lateness; exposure is what was open at `asOf`. Rates and means
 * are shrunk towards the priors, so a contact with no history scores as the ledger does.
 */
export function features(
  history: readonly HistInvoice[],
  contactId: string,
  asOf: IsoDate,
  priors: Priors,
  target?: HistInvoice,
): Features {
  const mine = history.filter((i) => i.contactId === contactId && i.issueDate <= asOf && i.id !== target?.id);
  const settled = mine
    .filter((i) => i.paidDate !== null && i.paidDate <= asOf)
    .sort((a, b) => (a.paidDate! < b.paidDate! ? -1 : 1));
  const open = mine.filter((i) => i.paidDate === null || i.paidDate > asOf);
  const late = settled.map(daysLate);
  const n = settled.length;
  const lateCount = late.filter((d) => d > LATE).length;
  const totalAmount = settled.reduce((s, i) => s + num(i.amount), 0);
  const lateAmount = settled.reduce((s, i) => s + (daysLate(i) > LATE ? num(i.amount) : 0), 0);
  const mean = n ? late.reduce((a, b) => a + Math.max(0, b), 0) / n : 0;
  const recent = late.slice(-3);
  const recentMean = recent.length ? recent.reduce((a, b) => a + Math.max(0, b), 0) / recent.length : 0;
  const overdue = open.map((i) => daysBetween(i.dueDate, asOf)).filter((d) => d > 0);
  const avgAmount = mine.length ? mine.reduce((s, i) => s + num(i.amount), 0) / mine.length : 0;
  const openAmount = open.reduce((s, i) => s + num(i.amount), 0);
  // Days to pay as a multiple of the terms given (1 = paid on the due date).
  const termsUsed = settled.map(
    (i) => daysBetween(i.issueDate, i.paidDate!) / Math.max(1, daysBetween(i.issueDate, i.dueDate)),
  );
  // A promise is broken once its date has passed without the invoice being paid by it.
  const broken = mine.filter(
    (i) => i.promisedBy && i.promisedBy < asOf && !(i.paidDate && i.paidDate <= i.promisedBy),
  ).length;
  return {
    lateRatio: shrink(n ? lateCount / n : 0, n, priors.lateRate),
    // Whether the most recent settled invoice was late (prior rate when there is none).
    lastLate: n ? (late.at(-1)! > LATE ? 1 : 0) : priors.lateRate,
    amountWeightedLateRatio: shrink(totalAmount > 0 ? lateAmount / totalAmount : 0, n, priors.lateRate),
    shareOver10: shrink(n ? late.filter((d) => d > VERY_LATE).length / n : 0, n, priors.veryLateRate),
    shareOver30: shrink(n ? late.filter((d) => d > SEVERE).length / n : 0, n, priors.severeRate),
    meanDaysLate: shrink(mean, n, priors.meanDaysLate),
    maxDaysLate: n ? Math.max(0, ...late) : priors.meanDaysLate,
    recentDaysLate: shrink(recentMean, recent.length, priors.meanDaysLate),
    trend: shrink(recentMean - mean, recent.length, 0),
    paidCount: Math.log1p(n),
    payVsTerms: shrink(n ? termsUsed.reduce((a, b) => a + b, 0) / n : 1, n, 1 + priors.meanDaysLate / 30),
    partialShare: shrink(n ? settled.filter((i) => i.partial).length / n : 0, n, 0),
    disputes: mine.filter((i) => i.disputed).length,
    brokenPromises: broken,
    openCount: open.length,
    // Open balance in units of the customer's usual invoice: exposure without mixing currencies.
    openAmount: avgAmount > 0 ? Math.log1p(openAmount / avgAmount) : 0,
    overdueCount: overdue.length,
    maxDaysOverdue: overdue.length ? Math.max(...overdue) : 0,
    amountVsAverage: target && avgAmount > 0 ? Math.log(num(target.amount) / avgAmount) : 0,
    termsDays: target ? daysBetween(target.issueDate, target.dueDate) : 30,
    daysPastDue: target ? Math.max(0, daysBetween(target.dueDate, asOf)) : 0,
  };
}

/** The ledger's rates from what was settled by `asOf`, shrunk towards the global priors. */
export const ledgerPriors = (history: readonly HistInvoice[], asOf: IsoDate): Priors => priorsTimeline(history)(asOf);

/**
 * `ledgerPriors` for many dates at once: settled invoices sorted by paid date with running
 * counts, so each date costs a binary search instead of a pass over the history.
 */
export function priorsTimeline(history: readonly HistInvoice[]): (asOf: IsoDate) => Priors {
  const settled = history
    .filter((i) => i.paidDate !== null)
    .sort((a, b) => (a.paidDate! < b.paidDate! ? -1 : a.paidDate! > b.paidDate! ? 1 : 0));
  const dates = settled.map((i) => i.paidDate!);
  const cum = { late: [0], very: [0], severe: [0], days: [0] };
  for (const i of settled) {
    const d = daysLate(i);
    cum.late.push(cum.late.at(-1)! + (d > LATE ? 1 : 0));
    cum.very.push(cum.very.at(-1)! + (d > VERY_LATE ? 1 : 0));
    cum.severe.push(cum.severe.at(-1)! + (d > SEVERE ? 1 : 0));
    cum.days.push(cum.days.at(-1)! + Math.max(0, d));
  }
  const k = 20;
  return (asOf) => {
    let lo = 0;
    let hi = dates.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (dates[mid]! <= asOf) lo = mid + 1;
      else hi = mid;
    }
    const n = lo;
    const rate = (count: number, prior: number) => (count + k * prior) / (n + k);
    return {
      lateRate: rate(cum.late[n]!, GLOBAL_PRIORS.lateRate),
      veryLateRate: rate(cum.very[n]!, GLOBAL_PRIORS.veryLateRate),
      severeRate: rate(cum.severe[n]!, GLOBAL_PRIORS.severeRate),
      meanDaysLate: (cum.days[n]! + k * GLOBAL_PRIORS.meanDaysLate) / (n + k),
    };
  };
}
