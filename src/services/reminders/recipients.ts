import { and, eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { contact, type invoice } from '../../db/schema/index.ts';

type ContactRow = typeof contact.$inferSelect;
type InvoiceRow = Pick<typeof invoice.$inferSelect, 'billEmail'>;

/**
 * Who a reminder goes to, as the ledger would bill: the invoices' own billing addresses
 * (QuickBooks BillEmail) first, else the customer's address, else, for a QuickBooks job
 * (sub-customer) with none, its parent customer's. Each address once; empty when there is none.
 */
export function toAddresses(c: ContactRow, invoices: InvoiceRow[], parentEmail: string | null): string[] {
  // QuickBooks lets one BillEmail hold several addresses, comma separated.
  const billed = unique(
    invoices.flatMap((i) => (i.billEmail ?? '').split(/[,;]/).map((a) => a.trim())).filter(Boolean),
  );
  if (billed.length) return billed;
  if (c.email) return [c.email];
  return parentEmail ? [parentEmail] : [];
}

/** The parent customer's address of a job, or null (not a job, parent not mirrored, or none). */
export async function parentEmailOf(db: Db, c: ContactRow): Promise<string | null> {
  if (!c.parentExternalId || c.email) return null;
  const [p] = await db
    .select({ email: contact.email, status: contact.status })
    .from(contact)
    .where(and(eq(contact.ledgerId, c.ledgerId), eq(contact.externalId, c.parentExternalId)));
  return p?.status === 'active' ? p.email : null;
}

/**
 * Copies: the step's own (the business's addresses), and the customer's contact people the ledger
 * marks to receive emails (Xero's IncludeInEmails), each once and never a main recipient.
 */
export function ccAddresses(c: ContactRow, to: string[], stepCc: string[]): string[] {
  const people = c.people.filter((p) => p.includeInEmails && p.email).map((p) => p.email);
  const main = new Set(to.map((a) => a.toLowerCase()));
  return unique([...people, ...stepCc]).filter((a) => !main.has(a.toLowerCase()));
}

/** Each address once, case-insensitively, in first-seen order. */
function unique(addresses: string[]): string[] {
  const seen = new Set<string>();
  return addresses.filter((a) => {
    const k = a.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
