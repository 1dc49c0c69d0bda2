import type { IsoDate } from '../dates.ts';
import { add, parseAmount, type Units } from '../money.ts';
import type { ArInvoice } from './receivables.ts';

/** Receivables at the end of `at` (issued by then, not paid by then), split into current and overdue. */
function balanceAt(invoices: ArInvoice[], at: IsoDate) {
  const open = invoices.filter((i) => i.issueDate <= at && (i.paidDate === null || i.paidDate > at));
  const total: Units = add(...open.map((i) => parseAmount(i.total)));
  const current: Units = add(...open.filter((i) => !i.dueDate || i.dueDate >= at).map((i) => parseAmount(i.total)));
  return { total, current };
}

/**
 * Collection effectiveness index for the period (from, to]: (opening receivables + sales −
 * closing receivables) ÷ (opening receivables + sales − closing current receivables) × 100.
 * 100 means everything collectable was collected. Null when nothing was collectable.
 */
export function cei(invoices: ArInvoice[], from: IsoDate, to: IsoDate): number | null {
  const open = balanceAt(invoices, from);
  const close = balanceAt(invoices, to);
  const sales: Units = add(
    ...invoices.filter((i) => i.issueDate > from && i.issueDate <= to).map((i) => parseAmount(i.total)),
  );
  const denominator = open.total + sales - close.current;
  if (denominator <= 0n) return null;
  return Math.round(Number(((open.total + sales - close.total) * 10_000n) / denominator)) / 100;
}
