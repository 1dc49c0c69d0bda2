import { bucketOf, type Bucket } from '../reports/receivables.ts';
import { add, formatUnits, mulRatio, parseAmount, SCALE } from '../money.ts';
import type { IsoDate } from '../dates.ts';

/** Loss rates by age: a simplified expected-credit-loss matrix (IFRS 9 style) for small books. */
const AGE_RATES: Record<Bucket, number> = {
  current: 0.01,
  '1-30': 0.03,
  '31-60': 0.1,
  '61-90': 0.25,
  '90+': 0.5,
};
export const PROVISION_METHOD =
  "Per open invoice, the higher of the age-band loss rate (not yet due 1%, 1-30 days 3%, 31-60 10%, 61-90 25%, over 90 50%) and the risk model's probability of paying more than 30 days late or never; disputed invoices 100%. Summed per customer and currency.";

export type ProvisionInvoice = {
  amountDue: string;
  dueDate: IsoDate | null;
  pSevere: number | null;
  disputed: boolean;
};

/** Suggested provision for one customer's open invoices as of `asOf`, with the rate used for each. */
export function provision(
  invoices: ProvisionInvoice[],
  asOf: IsoDate,
): { amount: string; lines: { amountDue: string; rate: number; provision: string }[] } {
  const lines = invoices.map((i) => {
    const rate = i.disputed ? 1 : Math.max(AGE_RATES[bucketOf(i.dueDate, asOf)], i.pSevere ?? 0);
    const p = mulRatio(parseAmount(i.amountDue), BigInt(Math.round(rate * 10_000)), 10_000n);
    return { amountDue: i.amountDue, rate: Math.round(rate * 10_000) / 10_000, units: p };
  });
  return {
    amount: formatUnits(add(...lines.map((l) => l.units)), SCALE),
    lines: lines.map((l) => ({ amountDue: l.amountDue, rate: l.rate, provision: formatUnits(l.units, SCALE) })),
  };
}
