import { addDays, daysBetween, type IsoDate, isoWeekday } from '../dates.ts';
import { add, formatUnits, mulRatio, parseAmount, SCALE, type Units } from '../money.ts';

/**
 * An open invoice as the forecast sees it on its date: what is due and what the risk model said.
 * `predictedPayDate` null: not scored yet (its due date stands in), unless `unlikely`: the model
 * gives it no date, it will not be paid without action.
 */
export type ForecastInvoice = {
  amountDue: string;
  dueDate: IsoDate;
  predictedPayDate: IsoDate | null;
  unlikely?: boolean;
  pVeryLate: number;
  pSevere: number;
};
export type ForecastWeek = { weekStart: IsoDate; low: string; expected: string; high: string };

const FORECAST_WEEKS = 13;
/** Probabilities are applied in basis points so amounts stay exact. */
const bp = (p: number) => BigInt(Math.round(Math.min(1, Math.max(0, p)) * 10_000));

/** Monday of the week holding `date`. */
export const weekStart = (date: IsoDate): IsoDate => addDays(date, 1 - isoWeekday(date));

/**
 * Expected receipts by week for the 13 weeks from `asOf`, from open invoices only (nothing after
 * `asOf` is read). Each invoice lands in the week of its predicted pay date (past-due ones in the
 * first week): expected, its amount times the chance it is paid at all (1 − p severe); low, only
 * what is not very late (1 − p very late); high, all of it. Very late is within severe, so every
 * week reads low ≤ expected ≤ high. An invoice unlikely to be paid without action adds to high
 * only, in the first week (were it paid now).
 */
export function forecast(invoices: ForecastInvoice[], asOf: IsoDate): ForecastWeek[] {
  const first = weekStart(asOf);
  const weeks = Array.from({ length: FORECAST_WEEKS }, (_, k) => ({
    weekStart: addDays(first, 7 * k),
    low: 0n as Units,
    expected: 0n as Units,
    high: 0n as Units,
  }));
  const slot = (date: IsoDate) => {
    const k = Math.floor(daysBetween(first, date < asOf ? asOf : date) / 7);
    return k >= 0 && k < FORECAST_WEEKS ? weeks[k] : undefined;
  };
  for (const i of invoices) {
    const due = parseAmount(i.amountDue);
    if (due <= 0n) continue;
    if (i.unlikely) {
      const w = slot(asOf);
      if (w) w.high += due;
      continue;
    }
    const w = slot(i.predictedPayDate ?? i.dueDate);
    if (!w) continue;
    const severe = bp(i.pSevere);
    w.expected += mulRatio(due, 10_000n - severe, 10_000n);
    w.low += mulRatio(due, 10_000n - (bp(i.pVeryLate) > severe ? bp(i.pVeryLate) : severe), 10_000n);
    w.high += due;
  }
  const f = (u: Units) => formatUnits(u, SCALE);
  return weeks.map((w) => ({ weekStart: w.weekStart, low: f(w.low), expected: f(w.expected), high: f(w.high) }));
}

/**
 * Forecast accuracy once the weeks have passed: per week the actual receipts next to the
 * expectation, and the weighted absolute percentage error over the weeks that are over.
 */
export function accuracy(weeks: ForecastWeek[], actualByWeek: Map<IsoDate, string>, today: IsoDate) {
  const done = weeks.filter((w) => addDays(w.weekStart, 7) <= today);
  const rows = done.map((w) => ({
    weekStart: w.weekStart,
    expected: w.expected,
    actual: actualByWeek.get(w.weekStart) ?? '0.0000',
  }));
  const err = add(
    ...rows.map((r) => {
      const d = parseAmount(r.actual) - parseAmount(r.expected);
      return d < 0n ? -d : d;
    }),
  );
  const total = add(...rows.map((r) => parseAmount(r.actual)));
  return { weeks: rows, wape: rows.length && total > 0n ? Number((err * 10_000n) / total) / 10_000 : null };
}
