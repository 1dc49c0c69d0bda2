import { daysBetween, type IsoDate } from '../dates.ts';
import { add, parseAmount, SCALE, type Units } from '../money.ts';

export type Band = 'low' | 'medium' | 'high';
/** How much of the usual exposure each band is trusted with. */
const BAND_FACTOR: Record<Band, number> = { low: 1.5, medium: 1, high: 0.5 };
export const LIMIT_METHOD =
  'Average invoiced per month over the last 12 months, times (terms + 30 days) / 30 (what is normally outstanding), times 1.5 for low risk, 1 for medium, 0.5 for high; rounded up to a round number. No history: no suggestion.';

/** Rounds up to 1, 2 or 5 times a power of ten (250 → 500, 1,240 → 2,000). */
function roundUp(major: number): number {
  if (major <= 0) return 0;
  const p = 10 ** Math.floor(Math.log10(major));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= major)!;
}

/** A suggested credit limit (major units, as a decimal string) from a customer's invoicing and risk. */
export function suggestLimit(
  invoices: { issueDate: IsoDate; total: string }[],
  termsDays: number,
  band: Band | null,
  asOf: IsoDate,
): string | null {
  const recent = invoices.filter((i) => daysBetween(i.issueDate, asOf) <= 365 && i.issueDate <= asOf);
  if (recent.length === 0) return null;
  const total: Units = add(...recent.map((i) => parseAmount(i.total)));
  const months = Math.max(
    1,
    Math.min(12, Math.ceil(daysBetween(recent.map((i) => i.issueDate).sort()[0]!, asOf) / 30.4)),
  );
  const perMonth = Number(total / 10n ** BigInt(SCALE)) / months;
  const usual = perMonth * ((termsDays + 30) / 30);
  return String(roundUp(usual * BAND_FACTOR[band ?? 'medium']));
}

/** Whether a new invoice takes the customer's open balance over the limit. */
export const overLimit = (openBefore: string, invoiceAmount: string, limit: string) =>
  parseAmount(openBefore) + parseAmount(invoiceAmount) > parseAmount(limit);
