import type { IsoDate } from '../dates.ts';
import { baselineLateRatio, metrics } from './backtest.ts';
import { type HistInvoice, outcomeAt } from './history.ts';
import { score, trainModel } from './model.ts';

/**
 * How far a ledger's scores can be trusted, measured on the ledger itself: a model fitted on
 * what was known before a cut-off date scores the invoices issued after it, each as of its issue
 * date, and the scores are checked against what those invoices then did. Stored with the model
 * and shown beside the scores, so a credit controller sees whether "70 % likely to pay late"
 * has meant 70 % in this ledger.
 */
export type ModelEvaluation = {
  /** Invoices issued after this date were scored with a model fitted on what came before. */
  testedFrom: IsoDate;
  n: number;
  auc: number;
  brier: number;
  logLoss: number;
  /** AUC of the customer's prior late ratio on the same invoices: what the model must beat. */
  baselineAuc: number;
  /** Predicted against observed late rate, by fifths of predicted probability. */
  calibration: { from: number; to: number; n: number; predicted: number; observed: number }[];
};

/** Fewer tested invoices (or of either outcome) than this and no figure is given: it would mislead. */
const MIN_TESTED = 50;
const MIN_CLASS = 10;
/** The most recent invoices tested: bounds the cost on a large ledger. */
const MAX_TESTED = 2000;

/**
 * Holds out the newest 30 % of the invoices whose outcome (paid on time or late) is known at
 * `asOf`. Null when the ledger has too little settled history to say anything honest.
 */
export function evaluateModel(history: readonly HistInvoice[], asOf: IsoDate): ModelEvaluation | null {
  const known = history
    .filter((i) => i.issueDate <= asOf && outcomeAt(i, 'late', asOf) !== null)
    .sort((a, b) => (a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : a.id < b.id ? -1 : 1));
  const cutoff = known[Math.floor(known.length * 0.7)]?.issueDate;
  if (!cutoff) return null;
  // Strictly after the cut-off: the model fitted as of that date has seen nothing of them.
  const tested = known.filter((i) => i.issueDate > cutoff).slice(-MAX_TESTED);
  const outcomes = tested.map((i) => outcomeAt(i, 'late', asOf)!);
  const late = outcomes.filter(Boolean).length;
  if (tested.length < MIN_TESTED || late < MIN_CLASS || tested.length - late < MIN_CLASS) return null;
  const model = trainModel(history, cutoff);
  const byContact = new Map<string, HistInvoice[]>();
  for (const i of history) {
    const list = byContact.get(i.contactId);
    if (list) list.push(i);
    else byContact.set(i.contactId, [i]);
  }
  const pairs = tested.map((inv, k) => {
    const mine = byContact.get(inv.contactId)!;
    return {
      p: score(model, mine, inv.contactId, inv.issueDate, { ...inv, paidDate: null }).pLate,
      base: baselineLateRatio(mine, inv),
      y: outcomes[k]!,
    };
  });
  const m = metrics(pairs);
  const calibration = [0, 1, 2, 3, 4].map((b) => {
    const inB = pairs.filter((x) => Math.min(4, Math.floor(x.p * 5)) === b);
    return {
      from: b / 5,
      to: (b + 1) / 5,
      n: inB.length,
      predicted: round(inB.length ? inB.reduce((s, x) => s + x.p, 0) / inB.length : 0),
      observed: round(inB.length ? inB.filter((x) => x.y).length / inB.length : 0),
    };
  });
  return {
    testedFrom: cutoff,
    n: m.n,
    auc: round(m.auc),
    brier: round(m.brier),
    logLoss: round(m.logLoss),
    baselineAuc: round(metrics(pairs.map((x) => ({ p: x.base, y: x.y }))).auc),
    calibration,
  };
}

const round = (v: number) => Math.round(v * 1000) / 1000;
