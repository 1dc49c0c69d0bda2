import { eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { contact, invoice, type message, reminder, reminderItem } from '../../src/db/schema/index.ts';
import type { Book } from './book.ts';

export type Sent = { custId: string; tone: string; invoiceIds: string[] };
const TONES = ['friendly', 'neutral', 'firm', 'final'];
const days = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
const cents = (text: string) => Math.round(Number(text.replace(/,/g, '')) * 100);

/** Each provider's customer-facing link for an invoice, as its fake serves it. */
const payLink = (provider: 'xero' | 'quickbooks', id: string) =>
  provider === 'xero'
    ? `https://in.xero.com/${id.slice(0, 8)}`
    : `https://connect.intuit.com/portal/app/CommerceNetwork/view/scs-v1-${id}`;

/**
 * Judges one message against the book at its send time: the recipient is the billing address of
 * the invoices' current customer; every item is an open receivable of that customer, stated at
 * the book's amount, with its own pay link; the day count is the book's; no message to a debtor
 * whose credit covers what it chases; no firm or final tone without the step before it sent; an
 * approved message is what was approved. Returns what is wrong, in words.
 */
export async function checkMessage(a: {
  db: Db;
  book: Book;
  provider: 'xero' | 'quickbooks';
  message: typeof message.$inferSelect;
  today: string;
  sent: Sent[];
}): Promise<string[]> {
  const { db, book, message: m } = a;
  const wrong: string[] = [];
  const [rem] = await db.select().from(reminder).where(eq(reminder.id, m.reminderId!));
  const [c] = await db.select().from(contact).where(eq(contact.id, m.contactId!));
  const items = await db
    .select({ externalId: invoice.externalId, number: invoice.number })
    .from(reminderItem)
    .innerJoin(invoice, eq(invoice.id, reminderItem.invoiceId))
    .where(eq(reminderItem.reminderId, m.reminderId!));
  const cust = book.customer(c!.externalId);
  if (!cust) return [`sent to ${c!.externalId}, not a customer in the book`];
  if (!cust.active) wrong.push(`customer ${cust.name} is archived or merged away`);
  if (cust.supplier) wrong.push(`${cust.name} is a supplier`);
  const template = m.templateKey ?? '';
  if (template === 'thank_you') return wrong;

  const invs = items.map((i) => book.invoice(i.externalId));
  const allowed = new Set(
    [
      cust.email,
      ...(a.provider === 'quickbooks' ? invs.map((i) => i?.billEmail) : []),
      ...(cust.parentId && !cust.email ? [book.customer(cust.parentId)?.email] : []),
    ]
      .filter((e): e is string => !!e)
      .map((e) => e.toLowerCase()),
  );
  if (m.toAddresses.length === 0) wrong.push('no recipient');
  for (const to of m.toAddresses)
    if (!allowed.has(to.toLowerCase())) wrong.push(`recipient ${to} is not ${[...allowed].join(' or ')}`);

  const lines = m.text.split('\n');
  let overdue = 0;
  let chased = 0;
  let maxDays = 0;
  for (const [k, inv] of invs.entries()) {
    const label = items[k]!.number ?? items[k]!.externalId;
    if (!inv) {
      wrong.push(`${label} is not in the book`);
      continue;
    }
    if (inv.kind !== 'sale') wrong.push(`${label} is a bill`);
    if (!book.owed(inv)) wrong.push(`${label} is not owed (${inv.state}, due ${book.due(inv)})`);
    if (inv.custId !== cust.id) wrong.push(`${label} belongs to ${book.customer(inv.custId)?.name}, not ${cust.name}`);
    const line = lines.find((l) => l.startsWith(`  ${inv.number}  `));
    if (!line) {
      wrong.push(`${label} has no line of its own`);
      continue;
    }
    const stated = /([\d,]+\.\d{2})/.exec(line.slice(inv.number.length + 4));
    if (!stated || cents(stated[1]!) !== book.due(inv))
      wrong.push(`${label} stated as ${stated?.[1]}, the book says ${book.due(inv) / 100}`);
    if (!line.includes(`pay: ${payLink(a.provider, inv.id)}`)) wrong.push(`${label} has no pay link of its own`);
    chased += book.due(inv);
    if (inv.dueDate < a.today) {
      overdue += book.due(inv);
      maxDays = Math.max(maxDays, days(inv.dueDate, a.today));
    }
  }
  const credit = book.availableCredit(cust.id);
  const owedNow = overdue > 0 ? overdue : chased;
  if (owedNow > 0 && credit >= owedNow) wrong.push(`credit ${credit / 100} covers the ${owedNow / 100} chased`);
  // Totals: a past-due tone's subject states the overdue total (the chased total before anything
  // is overdue); the friendly note states the total of what it lists, due or not; every figure in
  // the text is one the book gives.
  const headline = /\(([^()]*)\)$/.exec(m.subject)?.[1] ?? /about ([^ ]+) for invoice/.exec(m.text)?.[1];
  const expected = overdue > 0 && template !== 'friendly' ? overdue : chased;
  if (headline && cents(/([\d,]+\.\d{2})/.exec(headline)?.[1] ?? 'NaN') !== expected)
    wrong.push(
      `states ${headline}, the book's ${expected === overdue ? 'overdue' : 'chased'} total is ${expected / 100}`,
    );
  const figures = new Set([overdue, chased, chased - overdue, credit, ...invs.map((i) => (i ? book.due(i) : -1))]);
  for (const f of m.text.matchAll(/([\d,]+\.\d{2})/g))
    if (!figures.has(cents(f[1]!))) wrong.push(`states ${f[1]}, which is no figure of the book's`);
  for (const d of m.text.matchAll(/up to (\d+) days? overdue/g))
    if (Number(d[1]) !== maxDays) wrong.push(`says up to ${d[1]} days overdue; the book says ${maxDays}`);

  const tone = TONES.indexOf(template);
  const ids = new Set(invs.flatMap((i) => (i ? [i.id] : [])));
  const before = a.sent.filter((s) => s.custId === cust.id || s.invoiceIds.some((i) => ids.has(i)));
  const severest = Math.max(-1, ...before.map((s) => TONES.indexOf(s.tone)));
  if (tone > Math.max(TONES.indexOf('neutral'), severest + 1))
    wrong.push(`${template} with only ${before.map((s) => s.tone).join(', ') || 'nothing'} sent before`);
  a.sent.push({ custId: cust.id, tone: template, invoiceIds: [...ids] });

  if (rem?.approval) {
    const ap = rem.approval;
    if (ap.to !== m.toAddresses.join(', ')) wrong.push(`approved for ${ap.to}, sent to ${m.toAddresses.join(', ')}`);
    if (ap.template !== m.templateKey) wrong.push(`approved as ${ap.template}, sent as ${m.templateKey}`);
    if (ap.subject !== m.subject) wrong.push('subject differs from the approved one');
    const now = invs.flatMap((i) => (i ? [`${i.number} ${(book.due(i) / 100).toFixed(2)}`] : []));
    const approved = ap.items.map((x) => x.replace(/ [A-Z]{3} /, ' ').replace(/(\.\d{2})\d*$/, '$1'));
    if (now.sort().join() !== [...approved].sort().join())
      wrong.push(`approved ${approved.join(', ')}, sent ${now.join(', ')}`);
  }
  return wrong;
}
