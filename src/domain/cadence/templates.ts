import { formatMoney, sumDecimal } from '../money.ts';

/**
 * Reminder templates: a subject and a plain-text body with {{placeholders}}, paragraphs split by
 * blank lines. The HTML version is built from the same text, with every value from the ledger
 * escaped (ledger data is untrusted: a contact named <script> stays text).
 */
export type Template = { subject: string; body: string };

const PLACEHOLDERS = [
  'contact_name',
  'business_name',
  'invoice_numbers',
  'amount_due',
  'overdue_invoice_numbers',
  'overdue_amount',
  'upcoming_note',
  'credit_note',
  'due_date',
  'days_overdue',
  'pay_link',
  'statement',
  'discount_terms',
  'late_fee_terms',
  'opt_out_link',
] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];

export const BUILT_IN_TEMPLATES: Record<string, Template> = {
  friendly: {
    subject: 'Invoice {{invoice_numbers}} from {{business_name}}',
    body: 'Hi {{contact_name}},\n\nA friendly note about {{amount_due}} for invoice {{invoice_numbers}}, due {{due_date}}.\n\n{{statement}}\n\n{{credit_note}}\n\nYou can view and pay online: {{pay_link}}\n\n{{discount_terms}}\n\nIf you have already paid, thank you, and please ignore this message.\n\n{{business_name}}',
  },
  // Past the due date, the words speak of overdue money only: what is not yet due is listed apart
  // ({{upcoming_note}}) and never threatened.
  neutral: {
    subject: 'Payment reminder: {{overdue_invoice_numbers}} ({{overdue_amount}})',
    body: 'Hello {{contact_name}},\n\nOur records show {{overdue_amount}} overdue, up to {{days_overdue}} days past the due date.\n\n{{upcoming_note}}\n\n{{statement}}\n\n{{credit_note}}\n\nPay online: {{pay_link}}\n\nIf something is holding up payment, reply to this email and we will help.\n\n{{business_name}}',
  },
  firm: {
    subject: 'Overdue: {{overdue_invoice_numbers}} ({{overdue_amount}})',
    body: 'Dear {{contact_name}},\n\n{{overdue_amount}} is now overdue, up to {{days_overdue}} days. Please arrange payment this week.\n\n{{upcoming_note}}\n\n{{statement}}\n\n{{credit_note}}\n\nPay online: {{pay_link}}\n\n{{late_fee_terms}}\n\nIf you dispute any of this, reply and tell us why.\n\n{{business_name}}',
  },
  final: {
    subject: 'Final notice: {{overdue_invoice_numbers}} ({{overdue_amount}})',
    body: 'Dear {{contact_name}},\n\nDespite earlier reminders, {{overdue_amount}} remains unpaid, up to {{days_overdue}} days overdue. Unless the overdue amount is paid or we hear from you within 7 days, we will pass it to a collection agency.\n\n{{upcoming_note}}\n\n{{statement}}\n\n{{credit_note}}\n\nPay online: {{pay_link}}\n\n{{late_fee_terms}}\n\n{{business_name}}',
  },
  thank_you: {
    subject: 'Thank you for your payment',
    body: 'Hi {{contact_name}},\n\nThank you: we have received your payment for invoice {{invoice_numbers}}.\n\n{{business_name}}',
  },
};

type StatementLine = {
  number: string;
  currency: string;
  amountDue: string;
  dueDate: string | null;
  daysOverdue: number;
  payLink: string | null;
};
export type RenderData = {
  businessName: string;
  contactName: string;
  lines: StatementLine[];
  discountTerms?: string;
  lateFeeTerms?: string;
  /** Unapplied credit the debtor has with the business, formatted per currency. */
  credits?: string[];
  optOutLink: string;
  locale?: string;
};
export type Rendered = { subject: string; html: string; text: string };

const PLACEHOLDER = /\{\{\s*([a-z_]+)\s*\}\}/g;

/** Placeholders a template uses that do not exist (so a typo is caught when it is saved). */
export function unknownPlaceholders(t: Template): string[] {
  const names = [...`${t.subject}\n${t.body}`.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !(PLACEHOLDERS as readonly string[]).includes(n)))];
}

export const escapeHtml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');

const dateFormats = new Map<string, Intl.DateTimeFormat>();
function formatDate(d: string | null, locale: string): string {
  if (!d) return 'on receipt';
  let f = dateFormats.get(locale);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
    dateFormats.set(locale, f);
  }
  return f.format(new Date(`${d}T00:00:00Z`));
}

/** Amounts per currency, never added across currencies. */
function totals(lines: StatementLine[], locale: string): string {
  const byCurrency = new Map<string, string[]>();
  for (const l of lines) byCurrency.set(l.currency, [...(byCurrency.get(l.currency) ?? []), l.amountDue]);
  return [...byCurrency].map(([c, amounts]) => formatMoney(sumDecimal(amounts), c, locale)).join(' + ');
}

function values(d: RenderData, locale: string): Record<Exclude<Placeholder, 'statement'>, string> {
  const lines = unique(d.lines);
  const overdue = lines.filter((l) => l.daysOverdue > 0);
  const upcoming = lines.filter((l) => l.daysOverdue <= 0);
  const due = lines
    .map((l) => l.dueDate)
    .filter((x): x is string => !!x)
    .sort();
  // One link stands for the message only when there is one; several are given beside each invoice.
  const links = [...new Set(lines.map((l) => l.payLink).filter((x): x is string => !!x))];
  return {
    contact_name: d.contactName,
    business_name: d.businessName,
    invoice_numbers: lines.map((l) => l.number).join(', '),
    amount_due: totals(lines, locale),
    overdue_invoice_numbers: overdue.map((l) => l.number).join(', '),
    overdue_amount: totals(overdue, locale),
    upcoming_note:
      overdue.length && upcoming.length
        ? `Not yet due, for your planning: ${totals(upcoming, locale)} (${upcoming.map((l) => l.number).join(', ')}).`
        : '',
    due_date: formatDate(due[0] ?? null, locale),
    days_overdue: String(Math.max(0, ...lines.map((l) => l.daysOverdue))),
    pay_link:
      links.length === 1
        ? links[0]!
        : links.length > 1
          ? 'the link beside each invoice above'
          : '(reply to this email for payment details)',
    credit_note: d.credits?.length
      ? `You also have ${d.credits.join(' + ')} in credit with us that has not been applied yet: reply to tell us which invoices to set it against, and we will.`
      : '',
    discount_terms: d.discountTerms ?? '',
    late_fee_terms: d.lateFeeTerms ?? '',
    opt_out_link: d.optOutLink,
  };
}

/** Each invoice once, however many times it was handed in: totals and lists agree. */
function unique(lines: StatementLine[]): StatementLine[] {
  const seen = new Set<string>();
  return lines.filter((l) => !seen.has(l.number) && seen.add(l.number));
}

/** Overdue invoices first, then those coming up; each invoice once. */
function groups(lines: StatementLine[]) {
  const rows = unique(lines);
  return [
    { title: 'Overdue', rows: rows.filter((l) => l.daysOverdue > 0) },
    { title: 'Coming up', rows: rows.filter((l) => l.daysOverdue <= 0) },
  ].filter((g) => g.rows.length > 0);
}

function statementText(lines: StatementLine[], locale: string): string {
  return groups(lines)
    .map((g) =>
      [
        `${g.title}:`,
        ...g.rows.map(
          (l) =>
            `  ${l.number}  ${formatMoney(l.amountDue, l.currency, locale)}  due ${formatDate(l.dueDate, locale)}${l.payLink ? `  pay: ${l.payLink}` : ''}`,
        ),
      ].join('\n'),
    )
    .join('\n\n');
}

function statementHtml(lines: StatementLine[], locale: string): string {
  const row = (l: StatementLine) =>
    `<tr><td>${escapeHtml(l.number)}</td><td style="text-align:right">${escapeHtml(formatMoney(l.amountDue, l.currency, locale))}</td><td>${escapeHtml(formatDate(l.dueDate, locale))}</td><td>${l.payLink ? linkify(escapeHtml(l.payLink)) : ''}</td></tr>`;
  return groups(lines)
    .map(
      (g) =>
        `<h3>${g.title}</h3><table cellpadding="4"><tr><th align="left">Invoice</th><th align="right">Amount due</th><th align="left">Due</th><th align="left">Pay</th></tr>${g.rows.map(row).join('')}</table>`,
    )
    .join('');
}

const linkify = (escaped: string) => escaped.replace(/https?:\/\/[^\s<>"']+/g, (u) => `<a href="${u}">${u}</a>`);

export function renderTemplate(t: Template, data: RenderData): Rendered {
  const locale = data.locale ?? 'en-GB';
  const v = values(data, locale);
  const fill = (s: string, escapeValue: (x: string) => string) =>
    s.replace(PLACEHOLDER, (_match, name: string) =>
      name === 'statement' ? '' : escapeValue((v as Record<string, string>)[name] ?? ''),
    );
  // Paragraphs left empty by an unset placeholder (no discount terms) are dropped.
  const paragraphs = t.body.split(/\n{2,}/);
  const textParts = paragraphs
    .map((p) => (p.trim() === '{{statement}}' ? statementText(data.lines, locale) : fill(p, (x) => x)).trim())
    .filter(Boolean);
  const htmlParts = paragraphs
    .map((p) =>
      p.trim() === '{{statement}}'
        ? statementHtml(data.lines, locale)
        : fill(escapeHtml(p), (x) => linkify(escapeHtml(x))).trim(),
    )
    .filter(Boolean)
    .map((p) => (p.startsWith('<h3>') ? p : `<p>${p.replace(/\n/g, '<br>')}</p>`));
  const optOut = `You receive these reminders as a customer of ${data.businessName}. To stop them: ${data.optOutLink}`;
  return {
    subject: fill(t.subject, (x) => x)
      .replace(/[\r\n]+/g, ' ')
      .slice(0, 200),
    text: `${textParts.join('\n\n')}\n\n--\n${optOut}\n`,
    html: `<!doctype html><html><body style="font-family:sans-serif">${htmlParts.join('\n')}<hr><p style="font-size:12px;color:#666">${linkify(escapeHtml(optOut))}</p></body></html>`,
  };
}
