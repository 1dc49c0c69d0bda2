import { and, eq } from 'drizzle-orm';
import { contact, ledger, message } from '../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import { inLedgerScope, type ServiceContext } from '../context.ts';

/**
 * One message from the communication log, in full: what was sent, to whom, when, from which
 * template version, and every check it passed on the way. Another firm's message, or one outside
 * a member's ledgers, is not found.
 */
export async function messageDetail({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const [row] = await ctx.db
    .select({ m: message, contactName: contact.name, ledgerName: ledger.name, timezone: ledger.timezone })
    .from(message)
    .innerJoin(ledger, eq(ledger.id, message.ledgerId))
    .leftJoin(contact, eq(contact.id, message.contactId))
    .where(and(eq(message.id, input.id), eq(message.firmId, ctx.firmId), inLedgerScope(ctx, message.ledgerId)));
  if (!row) throw new NotFoundError('message');
  return row;
}
