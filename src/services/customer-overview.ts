import { and, asc, eq } from 'drizzle-orm';
import { collectionState, contact, contactState, invoice, ledger } from '../db/schema/index.ts';
import { NotFoundError } from '../errors.ts';
import { assertCanAct, type ServiceContext } from './context.ts';

/**
 * What the customer page shows beyond the lists other services give: the customer with its
 * chasing state and ledger, and its open invoices with their collection controls, soonest due
 * first. Another firm's customer, or one outside a member's ledgers, is not found.
 */
export async function customerOverview({ ctx, input }: { ctx: ServiceContext; input: { contactId: string } }) {
  const [row] = await ctx.db
    .select({ c: contact, s: contactState, l: ledger })
    .from(contact)
    .innerJoin(ledger, eq(ledger.id, contact.ledgerId))
    .leftJoin(contactState, eq(contactState.contactId, contact.id))
    .where(and(eq(contact.id, input.contactId), eq(contact.firmId, ctx.firmId)));
  if (!row) throw new NotFoundError('customer');
  assertCanAct(ctx, row.l.id);
  const open = await ctx.db
    .select({ inv: invoice, st: collectionState })
    .from(invoice)
    .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
    .where(and(eq(invoice.contactId, row.c.id), eq(invoice.status, 'open')))
    .orderBy(asc(invoice.dueDate));
  return { ...row, open };
}
