import { and, asc, eq, inArray, notInArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { collectionState, contact, creditNote, invoice, ledger, message, payment } from '../../db/schema/index.ts';
import { type CaseFile, daysOverdue, statementOf } from '../../domain/handoff/case-file.ts';
import { type IsoDate, localDate } from '../../domain/dates.ts';
import { add, formatUnits, parseAmount, SCALE } from '../../domain/money.ts';

const GONE = ['deleted', 'voided', 'DELETED', 'VOIDED'];

type CaseRow = {
  id: string;
  reference: string | null;
  contactId: string;
  ledgerId: string;
  invoiceIds: string[];
  amount: string;
  currency: string;
  reason: string | null;
  createdAt: Date;
};

/**
 * The full case file for a case, read from the mirror and the communication log at `now`: the
 * snapshot taken at approval. Payments and credits are those allocated to the case's invoices,
 * with only the allocated amounts (a payment that also paid other invoices is not claimed whole).
 */
export async function buildCaseFile(db: Db, row: CaseRow, now: Date): Promise<CaseFile> {
  const [l] = await db.select().from(ledger).where(eq(ledger.id, row.ledgerId));
  const [c] = await db.select().from(contact).where(eq(contact.id, row.contactId));
  const asOf: IsoDate = localDate(now, l!.timezone);
  const invoices = await db
    .select({ inv: invoice, state: collectionState })
    .from(invoice)
    .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
    .where(inArray(invoice.id, row.invoiceIds))
    .orderBy(asc(invoice.dueDate), asc(invoice.number));
  const refs = new Map(invoices.map((i) => [i.inv.externalId, i.inv.number]));
  const allocated = <T extends { allocations: { invoiceExternalId: string; amount: string }[] }>(rows: T[]) =>
    rows
      .map((r) => ({ r, mine: r.allocations.filter((a) => refs.has(a.invoiceExternalId)) }))
      .filter((x) => x.mine.length > 0);
  const pays = allocated(
    await db
      .select()
      .from(payment)
      .where(
        and(
          eq(payment.ledgerId, row.ledgerId),
          eq(payment.contactExternalId, c!.externalId),
          notInArray(payment.status, GONE),
        ),
      ),
  );
  const credits = allocated(
    await db
      .select()
      .from(creditNote)
      .where(
        and(
          eq(creditNote.ledgerId, row.ledgerId),
          eq(creditNote.contactExternalId, c!.externalId),
          notInArray(creditNote.status, GONE),
        ),
      ),
  );
  const paymentLines = pays.map(({ r, mine }) => ({
    date: r.date,
    amount: totalOf(mine),
    invoiceNumbers: mine.map((a) => refs.get(a.invoiceExternalId) ?? null),
  }));
  const creditLines = credits.map(({ r, mine }) => ({
    date: r.date,
    number: r.number,
    amount: totalOf(mine),
    invoiceNumbers: mine.map((a) => refs.get(a.invoiceExternalId) ?? null),
  }));
  const messages = await db
    .select({
      at: message.createdAt,
      sentAt: message.sentAt,
      to: message.toAddresses,
      subject: message.subject,
      status: message.status,
    })
    .from(message)
    .where(eq(message.contactId, row.contactId))
    .orderBy(asc(message.createdAt));
  const emails = [...new Set([c!.email, ...c!.people.map((p) => p.email)].filter((e): e is string => !!e))];
  return {
    caseId: row.id,
    reference: row.reference ?? row.id,
    amount: row.amount,
    currency: row.currency,
    approvedAt: now.toISOString(),
    creditor: { name: l!.name, legalName: l!.legalName, country: l!.country },
    debtor: {
      name: c!.name,
      legalName: c!.legalName,
      addresses: c!.addresses.map((a) => ({
        lines: a.lines,
        city: a.city,
        region: a.region,
        postalCode: a.postalCode,
        country: a.country,
      })),
      emails,
      phones: c!.phone ? [c!.phone] : [],
      taxNumber: c!.taxNumber,
      companyNumber: c!.companyNumber,
    },
    invoices: invoices.map(({ inv }) => ({
      number: inv.number,
      issueDate: inv.issueDate,
      dueDate: inv.dueDate ?? inv.issueDate,
      total: inv.total,
      paid: inv.amountPaid,
      credited: inv.amountCredited,
      due: inv.amountDue,
      daysOverdue: daysOverdue(inv.dueDate ?? inv.issueDate, asOf),
      link: inv.onlineUrl,
    })),
    payments: paymentLines,
    credits: creditLines,
    statement: statementOf(
      invoices.map(({ inv }) => ({ number: inv.number, issueDate: inv.issueDate, total: inv.total })),
      paymentLines,
      creditLines,
      asOf,
    ),
    communications: messages.map((m) => ({
      at: (m.sentAt ?? m.at).toISOString(),
      channel: 'email' as const,
      to: m.to,
      subject: m.subject,
      status: m.status,
    })),
    promises: invoices
      .filter(({ state }) => state?.promiseToPayUntil)
      .map(({ inv, state }) => ({
        invoiceNumber: inv.number,
        promisedBy: state!.promiseToPayUntil!,
        kept: inv.status === 'paid',
      })),
    paymentPlans: invoices
      .filter(({ state }) => state?.paymentPlan?.length)
      .map(({ inv, state }) => ({
        invoiceNumber: inv.number,
        instalments: state!.paymentPlan!,
        missed: missedInstalments(state!.paymentPlan!, inv.total, inv.amountDue, asOf),
      })),
    notes: row.reason ? [{ at: row.createdAt.toISOString(), text: row.reason }] : [],
  };
}

const totalOf = (xs: { amount: string }[]) => formatUnits(add(...xs.map((a) => parseAmount(a.amount))), SCALE);

/** Instalments due by `asOf` that what has been paid does not cover. */
function missedInstalments(
  plan: { dueDate: string; amount: string }[],
  total: string,
  due: string,
  asOf: IsoDate,
): number {
  let paid = parseAmount(total) - parseAmount(due);
  let missed = 0;
  for (const i of [...plan].sort((a, b) => (a.dueDate < b.dueDate ? -1 : 1))) {
    if (i.dueDate > asOf) break;
    const amt = parseAmount(i.amount);
    if (paid >= amt) paid -= amt;
    else {
      missed++;
      paid = 0n;
    }
  }
  return missed;
}
