import { addDays, daysBetween, type IsoDate } from '../dates.ts';
import { FEATURE_NAMES, type FeatureName, type Features, features, type Priors, priorsTimeline } from './features.ts';
import {
  daysLate,
  type HistInvoice,
  LATE,
  NEVER_AFTER,
  type Outcome,
  outcomeAt,
  SEVERE,
  VERY_LATE,
} from './history.ts';
import { fitLogistic, type LogisticModel, predictLogistic } from './logistic.ts';
import { ledgerPayCurve, type PayCurve, payTime } from './pay-time.ts';

/** Documented with every score: the method and what it was fitted on. */
export const MODEL_FAMILY = 'lr-l2-v1';
const OUTCOMES: Outcome[] = ['late', 'veryLate', 'severe'];
/** Fewer examples of either class than this and an outcome falls back to the shrunk rates. */
const MIN_CLASS = 10;
/** The most recent examples a model is fitted on: enough to learn, bounded in time. */
export const MAX_TRAINING_ROWS = 5000;

export type RiskModel = {
  version: string;
  asOf: IsoDate;
  priors: Priors;
  /** The features the models were fitted on, in the order of their weights (all when absent). */
  features?: readonly FeatureName[];
  models: Partial<Record<Outcome, LogisticModel>>;
  /** The ledger's days-to-payment curve (pay-time.ts); absent in models stored before it existed. */
  payCurve?: PayCurve;
  rows: number;
};
type Reason = { code: string; text: string; weight: number };
export type Score = {
  pLate: number;
  pVeryLate: number;
  pSevere: number;
  band: 'low' | 'medium' | 'high';
  /** The median pay date of an open invoice; null for a customer, or when unlikely without action. */
  predictedPayDate: IsoDate | null;
  /** The 10–90 % range around it (`payDateTo` null: later than anything the history shows). */
  payDateFrom: IsoDate | null;
  payDateTo: IsoDate | null;
  /** Chance of payment within 90 days from today, given it is unpaid now. */
  pPaidWithin90: number | null;
  reasons: Reason[];
  modelVersion: string;
};

const vector = (f: Features, names: readonly FeatureName[]) => names.map((n) => f[n]);

function byContact(history: readonly HistInvoice[]) {
  const map = new Map<string, HistInvoice[]>();
  for (const i of history) map.set(i.contactId, [...(map.get(i.contactId) ?? []), i]);
  return map;
}

/**
 * Fits the ledger's model as of `asOf`: one example per invoice whose outcome was known by then,
 * with features as of that invoice's issue date (what was known when it was sent).
 */
export function trainModel(
  history: readonly HistInvoice[],
  asOf: IsoDate,
  names: readonly FeatureName[] = FEATURE_NAMES,
): RiskModel {
  const timeline = priorsTimeline(history);
  const priors = timeline(asOf);
  const contacts = byContact(history);
  const examples = history
    .filter((i) => i.issueDate <= asOf)
    .sort((a, b) => (a.issueDate < b.issueDate ? -1 : a.issueDate > b.issueDate ? 1 : a.id < b.id ? -1 : 1))
    .slice(-MAX_TRAINING_ROWS);
  const models: RiskModel['models'] = {};
  const rows = examples.map((i) => ({
    i,
    x: vector(features(contacts.get(i.contactId)!, i.contactId, i.issueDate, timeline(i.issueDate), i), names),
  }));
  for (const outcome of OUTCOMES) {
    // Only invoices whose story is over (paid, or unpaid past the "never" horizon): recent unpaid
    // ones are known late early but known on time only later, which would bias the fit.
    const matured = rows.filter(
      (r) => (r.i.paidDate !== null && r.i.paidDate <= asOf) || daysBetween(r.i.dueDate, asOf) > NEVER_AFTER,
    );
    const labelled = matured.map((r) => ({ x: r.x, y: outcomeAt(r.i, outcome, asOf) })).filter((r) => r.y !== null);
    const positives = labelled.filter((r) => r.y).length;
    if (positives < MIN_CLASS || labelled.length - positives < MIN_CLASS) continue;
    models[outcome] = fitLogistic(
      labelled.map((r) => r.x),
      labelled.map((r) => (r.y ? 1 : 0)),
      { lambda: 0.3 },
    );
  }
  const version = `${MODEL_FAMILY}@${asOf}/${examples.length}`;
  const payCurve = ledgerPayCurve(history, asOf);
  const chosen = names === FEATURE_NAMES ? {} : { features: names };
  return { version, asOf, priors, ...chosen, models, payCurve, rows: examples.length };
}

/** Risk of a contact's next invoice (no target) or of one open invoice, as of `asOf`. */
export function score(
  model: RiskModel,
  history: readonly HistInvoice[],
  contactId: string,
  asOf: IsoDate,
  target?: HistInvoice,
): Score {
  const mine = history.filter((i) => i.contactId === contactId);
  const f = features(mine, contactId, asOf, model.priors, target);
  const names = model.features ?? FEATURE_NAMES;
  const x = vector(f, names);
  const fallback: Record<Outcome, number> = { late: f.lateRatio, veryLate: f.shareOver10, severe: f.shareOver30 };
  const p: Record<Outcome, number> = { late: 0, veryLate: 0, severe: 0 };
  let contributions: number[] = [];
  // No settled invoice yet: say so and use the ledger's own rates rather than extrapolate.
  const coldStart = !mine.some((i) => i.paidDate !== null && i.paidDate <= asOf && i.id !== target?.id);
  for (const o of OUTCOMES) {
    const m = model.models[o];
    if (coldStart) {
      p[o] =
        o === 'late' ? model.priors.lateRate : o === 'veryLate' ? model.priors.veryLateRate : model.priors.severeRate;
      continue;
    }
    if (!m) {
      p[o] = fallback[o];
      continue;
    }
    const r = predictLogistic(m, x);
    p[o] = r.p;
    if (o === 'late') contributions = r.contributions;
  }
  // Already past a threshold unpaid: that outcome has happened.
  if (target) {
    const overdue = daysBetween(target.dueDate, asOf);
    if (overdue > LATE) p.late = 1;
    if (overdue > VERY_LATE) p.veryLate = 1;
    if (overdue > SEVERE) p.severe = Math.max(p.severe, 0.5);
  }
  // Nested outcomes must be ordered: severe ≤ very late ≤ late.
  p.veryLate = Math.min(p.veryLate, p.late);
  p.severe = Math.min(p.severe, p.veryLate);
  const band = p.severe >= 0.2 || p.veryLate >= 0.5 ? 'high' : p.late >= 0.5 || p.veryLate >= 0.25 ? 'medium' : 'low';
  // The distribution when the ledger has a curve; else one date from the customer's mean lateness.
  const when = target && model.payCurve ? payTime(model.payCurve, mine, target, asOf) : null;
  const whenLate = f.meanDaysLate / Math.max(f.lateRatio, 0.05);
  const predictedPayDate = when
    ? when.median
    : target
      ? payDate(target.dueDate, asOf, Math.round(p.late * whenLate))
      : null;
  return {
    pLate: round(p.late),
    pVeryLate: round(p.veryLate),
    pSevere: round(p.severe),
    band,
    predictedPayDate,
    payDateFrom: when?.from ?? null,
    payDateTo: when?.to ?? null,
    pPaidWithin90: when?.pWithin90 ?? null,
    reasons: reasons(mine, asOf, f, (name) => contributions[names.indexOf(name)] ?? 0, target),
    modelVersion: model.version,
  };
}

const round = (v: number) => Math.round(v * 10_000) / 10_000;

/**
 * When an open invoice is likely to be paid: its due date plus the days late the customer's
 * history suggests, never before `asOf`. Null (no date: "unlikely without action") once it is
 * more than SEVERE days overdue and already past that prediction: the history no longer says
 * when, and "pays today" for a debt 400 days old would be false.
 */
export function payDate(dueDate: IsoDate, asOf: IsoDate, expectedDaysLate: number): IsoDate | null {
  const predicted = addDays(dueDate, expectedDaysLate);
  if (predicted >= asOf) return predicted;
  return daysBetween(dueDate, asOf) > SEVERE ? null : asOf;
}

/** Plain words for what weighed most, from the contact's actual record (not model internals). */
function reasons(
  mine: HistInvoice[],
  asOf: IsoDate,
  f: Features,
  weight: (name: FeatureName) => number,
  target?: HistInvoice,
): Reason[] {
  const settled = mine
    .filter((i) => i.paidDate && i.paidDate <= asOf && i.id !== target?.id)
    .sort((a, b) => (a.paidDate! < b.paidDate! ? -1 : 1));
  const last = settled.slice(-10);
  const lateOnes = last.filter((i) => daysLate(i) > 0);
  const avg = lateOnes.length ? Math.round(lateOnes.reduce((s, i) => s + daysLate(i), 0) / lateOnes.length) : 0;
  const out: Reason[] = [];
  if (settled.length === 0)
    out.push({ code: 'cold_start', text: "no payment history yet: scored at the ledger's usual rate", weight: 0 });
  else
    out.push({
      code: 'late_ratio',
      text: `paid ${lateOnes.length} of the last ${last.length} invoices late${lateOnes.length ? `, ${avg} days on average` : ''}`,
      weight: weight('lateRatio') + weight('meanDaysLate'),
    });
  if (f.overdueCount > 0)
    out.push({
      code: 'overdue_now',
      text: `${f.overdueCount} invoice${f.overdueCount > 1 ? 's' : ''} overdue now, the oldest ${f.maxDaysOverdue} days`,
      weight: weight('overdueCount') + weight('maxDaysOverdue') + 0.5,
    });
  if (settled.length >= 4 && f.trend > 3)
    out.push({ code: 'trend', text: 'paying later recently than before', weight: weight('trend') });
  const partials = last.filter((i) => i.partial).length;
  if (partials >= 2)
    out.push({
      code: 'partial',
      text: `paid ${partials} of the last ${last.length} invoices in instalments`,
      weight: weight('partialShare'),
    });
  if (f.brokenPromises > 0)
    out.push({
      code: 'broken_promises',
      text: `broke ${f.brokenPromises} promise${f.brokenPromises > 1 ? 's' : ''} to pay`,
      weight: weight('brokenPromises') + 0.5,
    });
  if (f.disputes > 0)
    out.push({
      code: 'disputes',
      text: `${f.disputes} disputed invoice${f.disputes > 1 ? 's' : ''}`,
      weight: weight('disputes'),
    });
  if (target && Math.abs(f.amountVsAverage) > Math.log(2))
    out.push({
      code: 'amount',
      text: `this invoice is ${Math.exp(f.amountVsAverage).toFixed(1)}× their usual amount`,
      weight: weight('amountVsAverage'),
    });
  if (target && daysBetween(asOf, target.dueDate) < 0)
    out.push({ code: 'past_due', text: `${daysBetween(target.dueDate, asOf)} days past due`, weight: 1 });
  return out.sort((a, b) => b.weight - a.weight).slice(0, 3);
}
