import { daysBetween, type IsoDate } from '../dates.ts';
import { formatUnits, parseAmount, type Units } from '../money.ts';

/**
 * The case file an agency receives: everything needed to collect, snapshotted at approval and
 * never edited afterwards. Built by the service from the mirror; filtered by the agency's
 * allow-list before it leaves (`restrict`).
 */
export type CaseFile = {
  caseId: string;
  reference: string;
  amount: string;
  currency: string;
  approvedAt: string;
  creditor: { name: string; legalName: string | null; country: string | null };
  debtor: {
    name: string;
    legalName: string | null;
    addresses: { lines: string[]; city?: string; region?: string; postalCode?: string; country?: string }[];
    emails: string[];
    phones: string[];
    taxNumber: string | null;
    companyNumber: string | null;
  };
  invoices: {
    number: string | null;
    issueDate: IsoDate;
    dueDate: IsoDate;
    total: string;
    paid: string;
    credited: string;
    due: string;
    daysOverdue: number;
    link: string | null;
  }[];
  payments: { date: IsoDate; amount: string; invoiceNumbers: (string | null)[] }[];
  credits: { date: IsoDate; number: string | null; amount: string; invoiceNumbers: (string | null)[] }[];
  statement: StatementOfAccount;
  communications: { at: string; channel: 'email'; to: string[]; subject: string; status: string }[];
  promises: { invoiceNumber: string | null; promisedBy: IsoDate; kept: boolean }[];
  paymentPlans: { invoiceNumber: string | null; instalments: { dueDate: IsoDate; amount: string }[]; missed: number }[];
  notes: { at: string; text: string }[];
};

type StatementLine = {
  date: IsoDate;
  kind: 'invoice' | 'payment' | 'credit';
  reference: string | null;
  debit: string;
  credit: string;
  balance: string;
};
export type StatementOfAccount = { itemisedFrom: IsoDate; asOf: IsoDate; lines: StatementLine[]; balance: string };

type Movement = { date: IsoDate; kind: StatementLine['kind']; reference: string | null; amount: Units };

/**
 * Statement of account for the handed-off invoices: each invoice, payment and credit in date
 * order with a running balance. Itemised from the oldest invoice's issue date (the itemisation
 * date collection law asks for); the closing balance equals the sum of what is due.
 */
export function statementOf(
  invoices: { number: string | null; issueDate: IsoDate; total: string }[],
  payments: { date: IsoDate; amount: string }[],
  credits: { date: IsoDate; number: string | null; amount: string }[],
  asOf: IsoDate,
): StatementOfAccount {
  const moves: Movement[] = [
    ...invoices.map((i) => ({
      date: i.issueDate,
      kind: 'invoice' as const,
      reference: i.number,
      amount: parseAmount(i.total),
    })),
    ...payments.map((p) => ({
      date: p.date,
      kind: 'payment' as const,
      reference: null,
      amount: -parseAmount(p.amount),
    })),
    ...credits.map((c) => ({
      date: c.date,
      kind: 'credit' as const,
      reference: c.number,
      amount: -parseAmount(c.amount),
    })),
  ];
  // Same day: the invoice first, so a balance never shows a payment for nothing.
  const order = { invoice: 0, credit: 1, payment: 2 };
  moves.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : order[a.kind] - order[b.kind]));
  let balance = 0n;
  const lines = moves.map((m) => {
    balance += m.amount;
    return {
      date: m.date,
      kind: m.kind,
      reference: m.reference,
      debit: m.amount > 0n ? money(m.amount) : '',
      credit: m.amount < 0n ? money(-m.amount) : '',
      balance: money(balance),
    };
  });
  return { itemisedFrom: moves[0]?.date ?? asOf, asOf, lines, balance: money(balance) };
}

const money = (u: Units) => formatUnits(u, 2);
export const daysOverdue = (dueDate: IsoDate, asOf: IsoDate) => Math.max(0, daysBetween(dueDate, asOf));

/**
 * Fields an agency may receive, named as they are in its allow-list. The case reference, the
 * creditor and the amount claimed always go: without them there is no case.
 */
export const CASE_FIELDS = [
  'debtor.name',
  'debtor.legalName',
  'debtor.addresses',
  'debtor.emails',
  'debtor.phones',
  'debtor.taxNumber',
  'debtor.companyNumber',
  'invoices',
  'invoices.link',
  'payments',
  'credits',
  'statement',
  'communications',
  'promises',
  'paymentPlans',
  'notes',
] as const;
type CaseField = (typeof CASE_FIELDS)[number];

/** The case file with only the allow-listed fields (and the always-sent core). */
export function restrict(
  file: CaseFile,
  allow: readonly string[],
): Partial<CaseFile> & Pick<CaseFile, 'caseId' | 'reference' | 'amount' | 'currency' | 'approvedAt' | 'creditor'> {
  const ok = (f: CaseField) => allow.includes(f);
  const debtor = Object.fromEntries(
    (Object.keys(file.debtor) as (keyof CaseFile['debtor'])[])
      .filter((k) => ok(`debtor.${k}` as CaseField))
      .map((k) => [k, file.debtor[k]]),
  );
  const out: Record<string, unknown> = {
    caseId: file.caseId,
    reference: file.reference,
    amount: file.amount,
    currency: file.currency,
    approvedAt: file.approvedAt,
    creditor: file.creditor,
  };
  if (Object.keys(debtor).length) out.debtor = debtor;
  if (ok('invoices'))
    out.invoices = file.invoices.map(({ link, ...rest }) => (ok('invoices.link') ? { ...rest, link } : rest));
  for (const k of ['payments', 'credits', 'statement', 'communications', 'promises', 'paymentPlans', 'notes'] as const)
    if (ok(k)) out[k] = file[k];
  return out as ReturnType<typeof restrict>;
}
