import { and, eq, inArray, notExists, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { collectionState, contact, historyInvoice, invoice, payment } from '../../db/schema/index.ts';
import { localDate } from '../../domain/dates.ts';
import type { HistInvoice } from '../../domain/risk/history.ts';

/** Imported rows carry this prefix on their ids, so they are never mistaken for mirror rows. */
const IMPORTED = 'import:';

export type LedgerHistory = {
  invoices: HistInvoice[];
  /** Mirror ids of the invoices open now: these get a score of their own. */
  openInvoiceIds: Set<string>;
};

/**
 * A ledger's payment history for scoring: the mirror's invoices (drafts, voids, deletions and
 * invoices settled by a credit left out, as they were never paid late or on time) plus imported
 * history the mirror does not have. Paid dates are the ledger's local dates. With `contactIds`,
 * only those contacts' history is read (incremental rescoring).
 */
export async function loadHistory(
  db: Db,
  ledger: { id: string; timezone: string },
  contactIds?: string[],
): Promise<LedgerHistory> {
  const scope = contactIds ? inArray(invoice.contactId, contactIds) : undefined;
  const rows = await db
    .select({
      id: invoice.id,
      externalId: invoice.externalId,
      contactId: invoice.contactId,
      contactExternalId: invoice.contactExternalId,
      status: invoice.status,
      issueDate: invoice.issueDate,
      dueDate: invoice.dueDate,
      total: invoice.total,
      paidAt: invoice.paidAt,
      settledByCredit: sql<boolean>`${invoice.amountCredited} >= ${invoice.total} and ${invoice.total} > 0`,
      disputedAt: collectionState.disputedAt,
      promisedBy: collectionState.promiseToPayUntil,
    })
    .from(invoice)
    .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
    .where(and(eq(invoice.ledgerId, ledger.id), inArray(invoice.status, ['open', 'paid']), scope));
  // Incremental: only these customers' payments (indexed by contact), not the whole ledger's.
  const customers = contactIds ? [...new Set(rows.map((r) => r.contactExternalId))] : undefined;
  const instalments = await paymentCounts(db, ledger.id, customers);
  const invoices: HistInvoice[] = [];
  const openInvoiceIds = new Set<string>();
  for (const r of rows) {
    if (!r.contactId || !r.dueDate || r.settledByCredit) continue;
    // A paid invoice without a paying date cannot say whether it was late: leave it out.
    if (r.status === 'paid' && !r.paidAt) continue;
    const paidDate = r.status === 'paid' ? localDate(r.paidAt!, ledger.timezone) : null;
    if (r.status === 'open') openInvoiceIds.add(r.id);
    invoices.push({
      id: r.id,
      contactId: r.contactId,
      issueDate: r.issueDate,
      dueDate: r.dueDate < r.issueDate ? r.issueDate : r.dueDate,
      amount: r.total,
      paidDate: paidDate && paidDate < r.issueDate ? r.issueDate : paidDate,
      disputed: r.disputedAt !== null,
      partial: paidDate !== null && (instalments.get(r.externalId) ?? 0) > 1,
      promisedBy: r.promisedBy,
    });
  }
  invoices.push(...(await importedHistory(db, ledger.id, contactIds)));
  return { invoices, openInvoiceIds };
}

/** How many payments each invoice was paid with (from the payments' allocations). */
async function paymentCounts(db: Db, ledgerId: string, customerRefs?: string[]): Promise<Map<string, number>> {
  if (customerRefs?.length === 0) return new Map();
  const ref = sql<string>`a->>'invoiceExternalId'`;
  const rows = await db
    .select({ invoiceExternalId: ref, n: sql<number>`count(*)::int` })
    .from(sql`${payment}, jsonb_array_elements(${payment.allocations}) a`)
    .where(
      and(
        eq(payment.ledgerId, ledgerId),
        sql`${payment.status} <> 'deleted'`,
        customerRefs ? inArray(payment.contactExternalId, customerRefs) : undefined,
      ),
    )
    .groupBy(sql`1`);
  return new Map(rows.map((r) => [r.invoiceExternalId, r.n]));
}

/**
 * Imported invoices the mirror does not also hold. A customer_id that matches a mirror contact's
 * external id joins that contact's history; other customers still teach the ledger's model.
 */
async function importedHistory(db: Db, ledgerId: string, contactIds?: string[]): Promise<HistInvoice[]> {
  // Most ledgers import nothing: one indexed probe instead of the anti-join.
  const [any] = await db
    .select({ id: historyInvoice.id })
    .from(historyInvoice)
    .where(eq(historyInvoice.ledgerId, ledgerId))
    .limit(1);
  if (!any) return [];
  const mirrored = db
    .select({ one: sql`1` })
    .from(invoice)
    .where(and(eq(invoice.ledgerId, historyInvoice.ledgerId), eq(invoice.externalId, historyInvoice.invoiceRef)));
  const rows = await db
    .select({
      ref: historyInvoice.invoiceRef,
      customerRef: historyInvoice.customerRef,
      contactId: contact.id,
      issueDate: historyInvoice.issueDate,
      dueDate: historyInvoice.dueDate,
      amount: historyInvoice.amount,
      paidDate: historyInvoice.paidDate,
      disputed: historyInvoice.disputed,
    })
    .from(historyInvoice)
    .leftJoin(
      contact,
      and(eq(contact.ledgerId, historyInvoice.ledgerId), eq(contact.externalId, historyInvoice.customerRef)),
    )
    .where(
      and(
        eq(historyInvoice.ledgerId, ledgerId),
        notExists(mirrored),
        contactIds ? inArray(contact.id, contactIds) : undefined,
      ),
    );
  return rows.map((r) => ({
    id: `${IMPORTED}${r.ref}`,
    contactId: r.contactId ?? `${IMPORTED}${r.customerRef}`,
    issueDate: r.issueDate,
    dueDate: r.dueDate,
    amount: r.amount,
    paidDate: r.paidDate,
    disputed: r.disputed,
  }));
}
