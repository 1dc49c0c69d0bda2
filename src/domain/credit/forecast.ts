import { addDays, daysBetween, type IsoDate, isoWeekday } from '../dates.ts';
import { add, formatUnits, mulRatio, parseAmount, SCALE, type Units } from '../money.ts';

/** An open invoice as the forecast sees it on its date: what is due and what the risk model said. */
export type ForecastInvoice = {
  amountDue: string;
  dueDate: IsoDate;
  predictedPayDate: IsoDate | null;
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
 * `asOf` is read). Expected: each invoice's amount times the chance it is paid at all (1 − p
 * severe), in the week of its predicted pay date. Band: high, everything paid by its due date
 * (or now if past due); low, only what is not very late (1 − p very late), two weeks after the
 * prediction. Past-due amounts expected before `asOf` land in the first week.
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
    const predicted = i.predictedPayDate ?? i.dueDate;
    const e = slot(predicted);
    if (e) e.expected += mulRatio(due, 10_000n - bp(i.pSevere), 10_000n);
    const h = slot(i.dueDate);
    if (h) h.high += due;
    const l = slot(addDays(predicted, 14));
    if (l) l.low += mulRatio(due, 10_000n - bp(i.pVeryLate), 10_000n);
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
