import type { IsoDate } from '../dates.ts';
import { type HistInvoice, outcomeAt } from './history.ts';
import type { FeatureName } from './features.ts';
import { type RiskModel, score, trainModel } from './model.ts';

export type BacktestRow = {
  id: string;
  pLate: number;
  pVeryLate: number;
  /** The customer's share of invoices paid late before this one (baseline 1). */
  baseline: number;
  /** A plain logistic regression on five features of the customer's record (baseline 2). */
  lrLate: number;
  lrVeryLate: number;
  late: boolean | null;
  veryLate: boolean | null;
  test: boolean;
};
export type Metrics = {
  n: number;
  auc: number;
  accuracy: number;
  brier: number;
  logLoss: number;
  calibration: { bucket: string; n: number; predicted: number; observed: number }[];
};

/** What an analyst would fit first: late ratio, mean days late, overdue now, size, record length. */
const BASELINE_FEATURES: readonly FeatureName[] = [
  'lateRatio',
  'meanDaysLate',
  'overdueCount',
  'amountVsAverage',
  'paidCount',
];

/**
 * Walk forward in issue-date order: each invoice is scored with a model refitted at the start of
 * its month and features as of its issue date, so nothing after that date is used. Outcomes are
 * read at the end of the data. The last (1 − split) of invoices is the test part. Two baselines
 * are scored alongside, with the same walk: the customer's prior late ratio, and a logistic
 * regression on BASELINE_FEATURES. The model earns its complexity only where it beats both.
 */
export function backtest(history: readonly HistInvoice[], split = 0.7): BacktestRow[] {
  const sorted = [...history].sort((a, b) =>
    a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : a.id < b.id ? -1 : 1,
  );
  const end = sorted.reduce<IsoDate>(
    (m, i) => [i.issueDate, i.paidDate ?? ''].reduce((x, y) => (y > x ? y : x), m),
    '0000-01-01',
  );
  const cut = Math.floor(sorted.length * split);
  let model: RiskModel | null = null;
  let plain: RiskModel | null = null;
  let month = '';
  return sorted.map((inv, k) => {
    if (inv.issueDate.slice(0, 7) !== month) {
      month = inv.issueDate.slice(0, 7);
      const asOf = `${month}-01` < inv.issueDate ? `${month}-01` : inv.issueDate;
      model = trainModel(history, asOf);
      plain = trainModel(history, asOf, BASELINE_FEATURES);
    }
    // Score as of the day before issue: the invoice itself and its own payment are unknown.
    const open = { ...inv, paidDate: null };
    const s = score(model!, history, inv.contactId, inv.issueDate, open);
    const lr = score(plain!, history, inv.contactId, inv.issueDate, open);
    return {
      id: inv.id,
      pLate: s.pLate,
      pVeryLate: s.pVeryLate,
      baseline: baselineLateRatio(history, inv),
      lrLate: lr.pLate,
      lrVeryLate: lr.pVeryLate,
      late: outcomeAt(inv, 'late', end),
      veryLate: outcomeAt(inv, 'veryLate', end),
      test: k >= cut,
    };
  });
}

/** The baseline: the customer's share of invoices paid late before this one was issued. */
export function baselineLateRatio(history: readonly HistInvoice[], inv: HistInvoice): number {
  const settled = history.filter(
    (i) => i.contactId === inv.contactId && i.id !== inv.id && i.paidDate !== null && i.paidDate <= inv.issueDate,
  );
  if (settled.length === 0) return 0.5;
  return settled.filter((i) => i.paidDate! > i.dueDate).length / settled.length;
}

/** AUC (rank form, ties count half), accuracy at 0.5, Brier score, log loss and decile calibration. */
export function metrics(pairs: { p: number; y: boolean }[]): Metrics {
  const n = pairs.length;
  const pos = pairs.filter((x) => x.y);
  const neg = pairs.filter((x) => !x.y);
  const ranked = [...pairs].sort((a, b) => a.p - b.p);
  let rankSum = 0;
  for (let i = 0; i < ranked.length; ) {
    let j = i;
    while (j < ranked.length && ranked[j]!.p === ranked[i]!.p) j++;
    const avg = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (ranked[k]!.y) rankSum += avg;
    i = j;
  }
  const auc =
    pos.length && neg.length ? (rankSum - (pos.length * (pos.length + 1)) / 2) / (pos.length * neg.length) : NaN;
  const calibration = Array.from({ length: 10 }, (_, b) => {
    const inB = pairs.filter((x) => Math.min(9, Math.floor(x.p * 10)) === b);
    return {
      bucket: `${b / 10}–${(b + 1) / 10}`,
      n: inB.length,
      predicted: inB.length ? inB.reduce((s, x) => s + x.p, 0) / inB.length : 0,
      observed: inB.length ? inB.filter((x) => x.y).length / inB.length : 0,
    };
  }).filter((c) => c.n > 0);
  return {
    n,
    auc,
    accuracy: n ? pairs.filter((x) => x.p >= 0.5 === x.y).length / n : NaN,
    brier: n ? pairs.reduce((s, x) => s + (x.p - (x.y ? 1 : 0)) ** 2, 0) / n : NaN,
    // Probabilities are clipped to [0.001, 0.999]: a rounded 0 or 1 would make one miss infinite.
    logLoss: n
      ? -pairs.reduce((s, x) => s + Math.log(Math.min(0.999, Math.max(0.001, x.y ? x.p : 1 - x.p))), 0) / n
      : NaN,
    calibration,
  };
}
