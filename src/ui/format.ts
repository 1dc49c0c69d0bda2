import { formatMoney } from '../domain/money.ts';

export const money = (amount: string, currency: string) => {
  try {
    return formatMoney(amount, currency);
  } catch {
    return `${amount} ${currency}`;
  }
};
export const pct = (p: number) => `${Math.round(p * 100)}%`;
/** Instants as the reader's ledger sees them: date and time in its zone, with the zone named. */
export const when = (iso: string, tz: string) =>
  new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: tz }).format(new Date(iso));
