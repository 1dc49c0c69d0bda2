import { formatMoney } from '../domain/money.ts';

export const money = (amount: string, currency: string) => {
  try {
    return formatMoney(amount, currency);
  } catch {
    return `${amount} ${currency}`;
  }
};
export const pct = (p: number) => `${Math.round(p * 100)}%`;
/** A calendar date ("22 May 2026"): no time, so no zone to name. */
export const day = (date: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(`${date}T12:00:00Z`));
/** "Auckland time" for Pacific/Auckland, "UTC" for UTC: which clock a time on a page is read on. */
const zoneLabel = (tz: string) =>
  tz === 'UTC' || tz === 'Etc/UTC' ? 'UTC' : `${(tz.split('/').at(-1) ?? tz).replace(/_/g, ' ')} time`;
/**
 * Instants as the ledger (or the debtor) sees them: date and time in that zone, with the zone
 * named, so "09:00" is never read on the reader's own clock.
 */
export const when = (iso: string | Date, tz: string) =>
  `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(new Date(iso))} ${zoneLabel(tz)}`;

/**
 * When an open invoice is likely to be paid, in words: the median date and the range that holds
 * 8 payments in 10, or why there is no date.
 */
export function payWords(s: {
  predictedPayDate: string | null;
  payDateFrom: string | null;
  payDateTo: string | null;
  pPaidWithin90: number | null;
}) {
  if (!s.predictedPayDate)
    return s.pPaidWithin90 === null
      ? 'unlikely to pay without action'
      : `unlikely to pay without action (${pct(s.pPaidWithin90)} chance within 90 days)`;
  const range =
    s.payDateFrom && s.payDateFrom !== s.payDateTo
      ? ` (likely ${day(s.payDateFrom)} – ${s.payDateTo ? day(s.payDateTo) : 'later than any payment so far'})`
      : '';
  return `pays ~${day(s.predictedPayDate)}${range}`;
}
