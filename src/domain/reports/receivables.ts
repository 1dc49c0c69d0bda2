import { addDays, addMonths, daysBetween, type IsoDate } from '../dates.ts';
import { add, formatUnits, parseAmount, SCALE, type Units } from '../money.ts';

/** An invoice as receivables reports see it: amounts as decimal strings in one currency. */
export type ArInvoice = {
  issueDate: IsoDate;
  dueDate: IsoDate | null;
  total: string;
  amountDue: string;
  paidDate: IsoDate | null;
};

export const BUCKETS = ['current', '1-30', '31-60', '61-90', '90+'] as const;
export type Bucket = (typeof BUCKETS)[number];

export function bucketOf(dueDate: IsoDate | null, asOf: IsoDate): Bucket {
  const late = dueDate ? daysBetween(dueDate, asOf) : 0;
  return late <= 0 ? 'current' : late <= 30 ? '1-30' : late <= 60 ? '31-60' : late <= 90 ? '61-90' : '90+';
}

/** Aged receivables of open balances as of `asOf` (what is due now, by days past due). */
export function aging(open: ArInvoice[], asOf: IsoDate): Record<Bucket, string> {
  const sums = Object.fromEntries(BUCKETS.map((b) => [b, 0n])) as Record<Bucket, Units>;
  for (const i of open) sums[bucketOf(i.dueDate, asOf)] += parseAmount(i.amountDue);
  return Object.fromEntries(BUCKETS.map((b) => [b, formatUnits(sums[b], SCALE)])) as Record<Bucket, string>;
}

/**
 * Receivables outstanding at the end of `asOf`: invoices issued by then and not yet paid then.
 * Uses invoice totals (partial payments before the date are not known per date here).
 */
function outstandingAt(invoices: ArInvoice[], asOf: IsoDate): Units {
  return add(
    ...invoices
      .filter((i) => i.issueDate <= asOf && (i.paidDate === null || i.paidDate > asOf))
      .map((i) => parseAmount(i.total)),
  );
}

/**
 * Days sales outstanding by the countback method: walk back through calendar months (this month
 * to date, then whole months) consuming the receivables balance with each month's sales,
 * counting whole months' days and the fraction of the last. Unlike AR ÷ sales × days it is not
 * distorted by one seasonal month.
 */
export function dsoCountback(invoices: ArInvoice[], asOf: IsoDate, maxMonths = 12): number {
  let remaining = outstandingAt(invoices, asOf);
  let days = 0;
  let end = asOf;
  for (let m = 0; m < maxMonths && remaining > 0n; m++) {
    const start: IsoDate = `${end.slice(0, 7)}-01`;
    const sales = add(
      ...invoices.filter((i) => i.issueDate >= start && i.issueDate <= end).map((i) => parseAmount(i.total)),
    );
    const span = daysBetween(start, end) + 1;
    if (sales >= remaining) {
      days += (span * Number((remaining * 10_000n) / sales)) / 10_000;
      remaining = 0n;
    } else {
      days += span;
      remaining -= sales;
    }
    end = addDays(start, -1);
  }
  return Math.round(days * 10) / 10;
}

/** DSO at each of the last `months` month-ends (oldest first), for a trend line. */
export function dsoTrend(invoices: ArInvoice[], asOf: IsoDate, months = 6): { date: IsoDate; dso: number }[] {
  const points: { date: IsoDate; dso: number }[] = [];
  for (let k = months - 1; k >= 0; k--) {
    const monthEnd = k === 0 ? asOf : addDays(`${addMonths(asOf, -k + 1).slice(0, 7)}-01`, -1);
    points.push({ date: monthEnd, dso: dsoCountback(invoices, monthEnd) });
  }
  return points;
}
