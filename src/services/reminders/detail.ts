import { and, eq } from 'drizzle-orm';
import { contact, invoice, ledger, reminder, reminderItem } from '../../db/schema/index.ts';
import type { ServiceContext } from '../context.ts';
import { previewReminder } from './manage.ts';

/**
 * One reminder as a reviewer opens it before approving: to whom, when, in which tone, for which
 * invoices, and the message itself as it would be sent now (rendered from the mirror; nothing is
 * sent). Another firm's reminder, or one outside a member's ledgers, is not found.
 */
export async function reminderDetail({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const message = await previewReminder({ ctx, input });
  const [row] = await ctx.db
    .select({ r: reminder, contactName: contact.name, ledgerName: ledger.name, timezone: ledger.timezone })
    .from(reminder)
    .innerJoin(contact, eq(contact.id, reminder.contactId))
    .innerJoin(ledger, eq(ledger.id, reminder.ledgerId))
    .where(and(eq(reminder.id, input.id), eq(reminder.firmId, ctx.firmId)));
  const items = await ctx.db
    .select({
      number: invoice.number,
      dueDate: invoice.dueDate,
      amountDue: invoice.amountDue,
      currency: invoice.currency,
      stepKey: reminderItem.stepKey,
    })
    .from(reminderItem)
    .innerJoin(invoice, eq(invoice.id, reminderItem.invoiceId))
    .where(eq(reminderItem.reminderId, input.id));
  return { ...row!, items, message };
}
