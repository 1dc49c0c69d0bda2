import type { IsoDate } from '../../src/domain/dates.ts';
import type { HistInvoice } from '../../src/domain/risk/history.ts';
import { formatAmount, generateDemoBook } from './generate.ts';

/**
 * Invoice history of a simulated ledger as of `asOf`: each customer pays by a known behaviour
 * (prompt, slow, erratic, defaulter, …), so risk scoring can be checked against the truth.
 * Voided invoices and those settled by a credit are left out (they were never paid late or on time).
 */
export function demoHistory(seed: number, asOf: IsoDate, customers = 40): (HistInvoice & { behaviour: string })[] {
  const book = generateDemoBook(seed, asOf, customers);
  const out: (HistInvoice & { behaviour: string })[] = [];
  for (const inv of book.invoices) {
    if (inv.issueDate > asOf || inv.voidedAt || inv.credit) continue;
    let paid = 0n;
    let paidDate: IsoDate | null = null;
    for (const p of [...inv.payments].sort((a, b) => (a.date < b.date ? -1 : 1))) {
      if (p.date > asOf) break;
      paid += p.amount;
      if (paid >= inv.total) {
        paidDate = p.date < inv.issueDate ? inv.issueDate : p.date;
        break;
      }
    }
    out.push({
      id: inv.externalId,
      contactId: inv.customer.externalId,
      issueDate: inv.issueDate,
      dueDate: inv.dueDate,
      amount: formatAmount(inv.total),
      paidDate,
      disputed: false,
      partial: paidDate !== null && inv.payments.length > 1,
      behaviour: inv.customer.profile.behaviour,
    });
  }
  return out;
}

export function historyCsv(rows: readonly HistInvoice[]): string {
  const lines = rows.map((r) =>
    [r.contactId, r.id, r.issueDate, r.dueDate, r.amount, '', r.paidDate ?? '', r.disputed ? 'yes' : 'no'].join(','),
  );
  return `customer_id,invoice_id,issue_date,due_date,amount,currency,paid_date,disputed\n${lines.join('\n')}\n`;
}
