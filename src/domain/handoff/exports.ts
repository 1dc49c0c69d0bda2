import { html, raw } from 'hono/html';
import { toCsv } from '../csv.ts';
import { formatMoney } from '../money.ts';
import type { CaseFile } from './case-file.ts';

type Restricted = Partial<CaseFile> &
  Pick<CaseFile, 'caseId' | 'reference' | 'amount' | 'currency' | 'approvedAt' | 'creditor'>;

export const CASE_CSV_HEADER = [
  'case_reference',
  'debtor',
  'date',
  'type',
  'reference',
  'due_date',
  'debit',
  'credit',
  'balance',
  'currency',
  'link',
] as const;

/** The case as CSV: one row per statement line (invoices carry their due date and link). */
export function caseCsv(file: Restricted): string {
  const byNumber = new Map((file.invoices ?? []).map((i) => [i.number, i]));
  const debtor = file.debtor?.legalName ?? file.debtor?.name ?? '';
  const rows = (file.statement?.lines ?? []).map((l) => {
    const inv = l.kind === 'invoice' ? byNumber.get(l.reference) : undefined;
    return [
      file.reference,
      debtor,
      l.date,
      l.kind,
      l.reference,
      inv?.dueDate ?? '',
      l.debit,
      l.credit,
      l.balance,
      file.currency,
      inv?.link ?? '',
    ];
  });
  return toCsv([CASE_CSV_HEADER, ...rows]);
}

const CSS = `body{font:11pt/1.4 system-ui,sans-serif;max-width:48rem;margin:2rem auto;color:#111}
h1{font-size:1.4rem;margin:0}table{width:100%;border-collapse:collapse;margin:1rem 0}
th,td{text-align:left;padding:.3rem .4rem;border-bottom:1px solid #ccc}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.parties{display:flex;justify-content:space-between;gap:2rem}.total{font-weight:700}
@media print{body{margin:0;max-width:none}a{color:inherit;text-decoration:none}}`;

/** A printable statement of account (print to PDF from the browser). Every value is escaped. */
export function statementHtml(file: Restricted): string {
  const m = (v: string) => formatMoney(v, file.currency);
  const d = file.debtor;
  const st = file.statement;
  return String(html`<!doctype html>
<html lang="en">
<head><meta charset="utf-8" /><title>Statement of account · ${file.reference}</title><style>${raw(CSS)}</style></head>
<body>
<header class="parties">
  <div><h1>Statement of account</h1><p>${file.creditor.legalName ?? file.creditor.name}</p></div>
  <div><p>Case ${file.reference}<br />Statement date ${st?.asOf ?? file.approvedAt.slice(0, 10)}${st ? html`<br />Itemised from ${st.itemisedFrom}` : ''}</p></div>
</header>
${d ? html`<section><h2>Debtor</h2><p>${d.legalName ?? d.name ?? ''}${(d.addresses ?? []).map((a) => html`<br />${[...a.lines, a.city, a.region, a.postalCode, a.country].filter(Boolean).join(', ')}`)}</p></section>` : ''}
${
  st
    ? html`<table>
  <thead><tr><th>Date</th><th>Item</th><th>Reference</th><th class="n">Debit</th><th class="n">Credit</th><th class="n">Balance</th></tr></thead>
  <tbody>${st.lines.map((l) => html`<tr><td>${l.date}</td><td>${l.kind}</td><td>${l.reference ?? ''}</td><td class="n">${l.debit ? m(l.debit) : ''}</td><td class="n">${l.credit ? m(l.credit) : ''}</td><td class="n">${m(l.balance)}</td></tr>`)}</tbody>
  <tfoot><tr class="total"><td colspan="5">Balance due</td><td class="n">${m(st.balance)}</td></tr></tfoot>
</table>`
    : html`<p class="total">Amount claimed: ${m(file.amount)}</p>`
}
</body>
</html>`);
}
