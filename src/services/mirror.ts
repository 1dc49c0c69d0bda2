import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Contact, CreditNote, Invoice, Payment, RecordOf, Resource } from '../../connectors/types.ts';
import { anyOf } from '../db/array-param.ts';
import { excludedSet } from '../db/upsert.ts';
import type { Db } from '../db/client.ts';
import { contact, creditNote, invoice, payment } from '../db/schema/index.ts';
import { formatUnits, parseAmount } from '../domain/money.ts';

/**
 * Bulk upserts of provider records into the mirror. A row is only overwritten by a version the
 * provider updated at the same time or later: webhooks and syncs arrive out of order.
 */

export type MirrorTarget = { firmId: string; ledgerId: string };
export type Changed = { id: string; externalId: string };

/** Ids per delete statement: well under Postgres' 65,535 bind parameters. */
const DELETE_CHUNK = 1000;

const dec = (v: string) => formatUnits(parseAmount(v), 4);

const contactRow = (t: MirrorTarget, c: Contact) => ({
  firmId: t.firmId,
  ledgerId: t.ledgerId,
  externalId: c.externalId,
  providerUpdatedAt: c.updatedAt,
  raw: c.raw ?? null,
  name: c.name,
  legalName: c.legalName ?? null,
  email: c.email ?? null,
  people: c.people,
  phone: c.phone ?? null,
  timezone: c.timezone ?? null,
  country: c.country ?? null,
  addresses: c.addresses,
  taxNumber: c.taxNumber ?? null,
  companyNumber: c.companyNumber ?? null,
  status: c.status,
  parentExternalId: c.parentExternalId ?? null,
});

const invoiceRow = (t: MirrorTarget, i: Invoice) => ({
  firmId: t.firmId,
  ledgerId: t.ledgerId,
  externalId: i.externalId,
  providerUpdatedAt: i.updatedAt,
  raw: i.raw ?? null,
  contactExternalId: i.contactExternalId,
  number: i.number ?? null,
  reference: i.reference ?? null,
  status: i.status,
  currency: i.currency,
  issueDate: i.issueDate,
  dueDate: i.dueDate ?? null,
  total: dec(i.total),
  amountDue: dec(i.amountDue),
  amountPaid: dec(i.amountPaid),
  amountCredited: dec(i.amountCredited),
  onlineUrl: i.onlineUrl ?? null,
  billEmail: i.billEmail ?? null,
  sentToContact: i.sentToContact,
  paidAt: i.paidAt ?? null,
});

const paymentRow = (t: MirrorTarget, p: Payment) => ({
  firmId: t.firmId,
  ledgerId: t.ledgerId,
  externalId: p.externalId,
  providerUpdatedAt: p.updatedAt,
  raw: p.raw ?? null,
  contactExternalId: p.contactExternalId ?? null,
  date: p.date,
  amount: dec(p.amount),
  currency: p.currency,
  status: p.status,
  allocations: p.allocations.map((a) => ({ ...a, amount: dec(a.amount) })),
});

const creditNoteRow = (t: MirrorTarget, n: CreditNote) => ({
  firmId: t.firmId,
  ledgerId: t.ledgerId,
  externalId: n.externalId,
  providerUpdatedAt: n.updatedAt,
  raw: n.raw ?? null,
  contactExternalId: n.contactExternalId ?? null,
  number: n.number ?? null,
  status: n.status,
  date: n.date,
  currency: n.currency,
  total: dec(n.total),
  remaining: dec(n.remaining),
  allocations: n.allocations.map((a) => ({ ...a, amount: dec(a.amount) })),
});

type MirrorTable = typeof contact | typeof invoice | typeof payment | typeof creditNote;

async function upsert(db: Db, table: MirrorTable, rows: Record<string, unknown>[]): Promise<Changed[]> {
  if (rows.length === 0) return [];
  const keys = Object.keys(rows[0]!).filter((k) => k !== 'firmId' && k !== 'ledgerId' && k !== 'externalId');
  const set = excludedSet(table as never, keys as never, { touch: true });
  // Lists and change feeds carry no pay link (Xero never, QuickBooks only when asked for one
  // invoice): the link fetched before a send is kept, not wiped by the next webhook.
  if (table === invoice) {
    set.onlineUrl = sql`coalesce(excluded.online_url, ${invoice.onlineUrl})`;
    // Once paid, the payment date only moves earlier while it stays paid. QuickBooks does not say
    // when a balance reached zero, so its bound is the invoice's last change, which any later edit
    // (a memo, our own history note) would otherwise push on, making a prompt payer look late.
    set.paidAt = sql`case when ${invoice.status} = 'paid' and excluded.status = 'paid' then least(${invoice.paidAt}, excluded.paid_at) else excluded.paid_at end`;
  }
  return db
    .insert(table)
    .values(rows as never)
    .onConflictDoUpdate({
      target: [table.ledgerId, table.externalId],
      set,
      setWhere: sql`${table.providerUpdatedAt} <= excluded.provider_updated_at`,
    })
    .returning({ id: table.id, externalId: table.externalId });
}

/** Upserts one page of one resource; returns the rows that changed (newer-wins filtered). */
export async function upsertRecords<R extends Resource>(
  db: Db,
  target: MirrorTarget,
  resource: R,
  records: RecordOf<R>[],
): Promise<Changed[]> {
  // Duplicates inside one batch would make ON CONFLICT touch a row twice: keep the newest.
  const newest = new Map<string, RecordOf<R>>();
  for (const r of records) {
    const seen = newest.get(r.externalId);
    if (!seen || seen.updatedAt <= r.updatedAt) newest.set(r.externalId, r);
  }
  const list = [...newest.values()];
  switch (resource) {
    case 'contacts': {
      const changed = await upsert(
        db,
        contact,
        (list as Contact[]).map((c) => contactRow(target, c)),
      );
      // A contact merged into another (Xero's MergedToContactID) hands over what it held.
      const merges = (list as Contact[]).flatMap((c) =>
        c.mergedIntoExternalId ? [{ from: c.externalId, into: c.mergedIntoExternalId }] : [],
      );
      if (merges.length) await reassignMerged(db, target.ledgerId, merges);
      // Only the invoices waiting for these contacts: a contacts page costs no scan of the ledger.
      await linkInvoiceContacts(
        db,
        target.ledgerId,
        changed.map((c) => c.externalId),
      );
      return changed;
    }
    case 'invoices': {
      const changed = await upsert(
        db,
        invoice,
        (list as Invoice[]).map((i) => invoiceRow(target, i)),
      );
      await relinkInvoices(
        db,
        changed.map((c) => c.id),
      );
      await linkInvoiceContacts(db, target.ledgerId);
      return changed;
    }
    case 'payments':
      return upsert(
        db,
        payment,
        (list as Payment[]).map((p) => paymentRow(target, p)),
      );
    default:
      return upsert(
        db,
        creditNote,
        (list as CreditNote[]).map((n) => creditNoteRow(target, n)),
      );
  }
}

/**
 * Points each changed invoice at the contact the provider now names: an invoice moved to another
 * customer (a correction, contacts merged) must never keep the old link, or its reminder would go
 * to the previous company. Unlinked (null) while that contact is not mirrored yet.
 */
async function relinkInvoices(db: Db, invoiceIds: string[]): Promise<void> {
  if (invoiceIds.length === 0) return;
  const current = sql`(select ${contact.id} from ${contact} where ${contact.ledgerId} = ${invoice.ledgerId} and ${contact.externalId} = ${invoice.contactExternalId})`;
  await db
    .update(invoice)
    .set({ contactId: current })
    .where(and(anyOf(invoice.id, invoiceIds, 'uuid'), sql`${invoice.contactId} is distinct from ${current}`));
}

/** Points invoices at their mirrored contact once both are present (they can arrive in any order). */
async function linkInvoiceContacts(db: Db, ledgerId: string, contactExternalIds?: string[]): Promise<void> {
  if (contactExternalIds?.length === 0) return;
  await db
    .update(invoice)
    .set({ contactId: sql`${contact.id}` })
    .from(contact)
    .where(
      and(
        eq(invoice.ledgerId, ledgerId),
        isNull(invoice.contactId),
        contactExternalIds ? anyOf(invoice.contactExternalId, contactExternalIds) : undefined,
        eq(contact.ledgerId, invoice.ledgerId),
        eq(contact.externalId, invoice.contactExternalId),
      ),
    );
}

export const MIRROR_TABLES = {
  contacts: contact,
  invoices: invoice,
  payments: payment,
  credit_notes: creditNote,
} as const;

/** Marks rows the provider deleted, unless the mirror already holds a newer version; returns those marked. */
export async function markDeleted(
  db: Db,
  ledgerId: string,
  resource: Resource,
  items: { externalId: string; updatedAt: Date }[],
): Promise<Changed[]> {
  const table = MIRROR_TABLES[resource];
  // One statement per deletion time (webhook processing stamps a whole chunk with one), not one
  // per row: a bulk delete or a backlog of gone entities costs a few statements.
  const byTime = new Map<number, { at: Date; ids: string[] }>();
  for (const d of items) {
    const group = byTime.get(d.updatedAt.getTime()) ?? { at: d.updatedAt, ids: [] };
    group.ids.push(d.externalId);
    byTime.set(d.updatedAt.getTime(), group);
  }
  const changed: Changed[] = [];
  for (const { at, ids } of byTime.values()) {
    const set =
      resource === 'invoices'
        ? { status: 'deleted' as const, amountDue: '0', providerUpdatedAt: at, updatedAt: sql`now()` }
        : { status: 'deleted', providerUpdatedAt: at, updatedAt: sql`now()` };
    for (let i = 0; i < ids.length; i += DELETE_CHUNK) {
      const rows = await db
        .update(table)
        .set(set as never)
        .where(
          and(
            eq(table.ledgerId, ledgerId),
            anyOf(table.externalId, ids.slice(i, i + DELETE_CHUNK)),
            sql`${table.providerUpdatedAt} <= ${at.toISOString()}`,
          ),
        )
        .returning({ id: table.id, externalId: table.externalId });
      changed.push(...rows);
    }
  }
  return changed;
}

/**
 * Moves what the mirror holds of merged-away customers to the customers they were merged into:
 * invoices (relinked), payments and credit. The ledger moved them, but need not report each one
 * changed; a survivor's credit must count for it at once. Returns the invoices moved.
 */
export async function reassignMerged(db: Db, ledgerId: string, merges: { from: string; into: string }[]) {
  const moved: Changed[] = [];
  for (const { from, into } of merges) {
    if (from === into) continue;
    for (const table of [payment, creditNote])
      await db
        .update(table)
        .set({ contactExternalId: into })
        .where(and(eq(table.ledgerId, ledgerId), eq(table.contactExternalId, from)));
    const rows = await db
      .update(invoice)
      .set({ contactExternalId: into })
      .where(and(eq(invoice.ledgerId, ledgerId), eq(invoice.contactExternalId, from)))
      .returning({ id: invoice.id, externalId: invoice.externalId });
    await relinkInvoices(
      db,
      rows.map((r) => r.id),
    );
    moved.push(...rows);
  }
  return moved;
}
