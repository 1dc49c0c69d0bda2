import { reminder } from '../../db/schema/index.ts';
import { audit } from '../audit.ts';
import type { ServiceContext } from '../context.ts';
import { waitingFor } from './waiting.ts';

/**
 * A person reviewing the approval queue turns reminders down, with the reason: they are not sent,
 * and the steps they stood for count as used, so the cadence goes on to its next step instead of
 * proposing the same message again. The reason shows on the reminder, and who gave it in the audit log.
 */
export async function rejectReminders({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ids?: string[]; ledgerId?: string; reason: string };
}) {
  const rows = await ctx.db
    .update(reminder)
    .set({ status: 'skipped', statusReason: `rejected: ${input.reason}`, updatedAt: ctx.clock.now() })
    .where(waitingFor(ctx, input))
    .returning({ id: reminder.id });
  await audit(
    ctx,
    'reminders.reject',
    { type: 'reminder', id: input.ledgerId ?? 'selection' },
    { count: rows.length, ids: rows.map((r) => r.id), reason: input.reason },
  );
  return { rejected: rows.length };
}
