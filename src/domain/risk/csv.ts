import { amountSchema } from '../amount.ts';
import { z } from 'zod';
import type { HistInvoice } from './history.ts';

type CsvRow = HistInvoice & { currency: string | null };
type CsvIssue = { line: number; column: string; message: string };
export type CsvResult = { ok: true; rows: CsvRow[] } | { ok: false; issues: CsvIssue[] };

const REQUIRED = ['customer_id', 'invoice_id', 'issue_date', 'due_date', 'amount', 'paid_date'] as const;

/** RFC 4180 fields: commas, quotes ("" inside quotes), CRLF or LF; a BOM at the start is dropped. */
export function parseCsv(text: string): string[][] {
  const out: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && s[i + 1] === '\n') i++;
      row.push(field);
      out.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length) {
    row.push(field);
    out.push(row);
  }
  return out.filter((r) => !(r.length === 1 && r[0] === ''));
}

const isoDate = z.iso.date();
const amount = amountSchema('1250.00');
const yesNo = z.enum(['', 'yes', 'no', 'true', 'false', 'y', 'n', '1', '0']);

/**
 * Invoice history from CSV (customer_id, invoice_id, issue_date, due_date, amount, currency?,
 * paid_date, disputed?). Every bad row is reported with its line and column; any issue means no
 * rows at all, so an import is never half done.
 */
export function readHistoryCsv(text: string): CsvResult {
  const table = parseCsv(text);
  if (table.length === 0) return { ok: false, issues: [{ line: 1, column: '', message: 'the file is empty' }] };
  const header = table[0]!.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length)
    return { ok: false, issues: missing.map((c) => ({ line: 1, column: c, message: 'missing column' })) };
  const col = (name: string) => header.indexOf(name);
  const issues: CsvIssue[] = [];
  const rows: CsvRow[] = [];
  const seen = new Map<string, number>();
  for (const [k, cells] of table.slice(1).entries()) {
    const line = k + 2;
    const get = (name: string) => (col(name) >= 0 ? (cells[col(name)] ?? '').trim() : '');
    const bad = (column: string, message: string) => issues.push({ line, column, message });
    if (cells.length !== header.length) {
      bad('', `expected ${header.length} fields, found ${cells.length}`);
      continue;
    }
    const id = get('invoice_id');
    const customer = get('customer_id');
    if (!id) bad('invoice_id', 'required');
    if (!customer) bad('customer_id', 'required');
    if (id && seen.has(id)) bad('invoice_id', `duplicate of line ${seen.get(id)}`);
    seen.set(id, line);
    for (const c of ['issue_date', 'due_date'] as const)
      if (!isoDate.safeParse(get(c)).success) bad(c, 'a date like 2026-01-31');
    const paid = get('paid_date');
    if (paid && !isoDate.safeParse(paid).success) bad('paid_date', 'a date like 2026-01-31, or empty if unpaid');
    if (!amount.safeParse(get('amount')).success) bad('amount', 'a positive decimal like 1250.00');
    const currency = get('currency');
    if (currency && !/^[A-Za-z]{3}$/.test(currency)) bad('currency', 'a three-letter code like NZD');
    const disputed = get('disputed').toLowerCase();
    if (!yesNo.safeParse(disputed).success) bad('disputed', 'yes or no');
    const issue = get('issue_date');
    if (isoDate.safeParse(issue).success && isoDate.safeParse(get('due_date')).success && get('due_date') < issue)
      bad('due_date', 'before the issue date');
    if (paid && isoDate.safeParse(paid).success && isoDate.safeParse(issue).success && paid < issue)
      bad('paid_date', 'before the issue date');
    rows.push({
      id,
      contactId: customer,
      issueDate: issue,
      dueDate: get('due_date'),
      amount: get('amount'),
      currency: currency ? currency.toUpperCase() : null,
      paidDate: paid || null,
      disputed: ['yes', 'true', 'y', '1'].includes(disputed),
    });
  }
  return issues.length ? { ok: false, issues } : { ok: true, rows };
}
