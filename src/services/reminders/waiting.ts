import { and, eq, inArray } from 'drizzle-orm';
import { reminder } from '../../db/schema/index.ts';
import { inLedgerScope, type ServiceContext } from '../context.ts';

/**
 * Reminders waiting for approval that this person may decide on: the given ids or a whole ledger,
 * of their firm, and for a member only on the ledgers assigned to them.
 */
export const waitingFor = (ctx: ServiceContext, input: { ids?: string[]; ledgerId?: string }) =>
  and(
    eq(reminder.firmId, ctx.firmId),
    eq(reminder.status, 'awaiting_approval'),
    input.ids ? inArray(reminder.id, input.ids) : undefined,
    input.ledgerId ? eq(reminder.ledgerId, input.ledgerId) : undefined,
    inLedgerScope(ctx, reminder.ledgerId),
  );
