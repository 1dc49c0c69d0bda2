import { eq } from 'drizzle-orm';
import { invoice, type ledger, reminder, reminderItem } from '../../src/db/schema/index.ts';
import type { DeliverDeps } from '../../src/services/reminders/deliver.ts';
import type { TestDatabase } from './db.ts';
import type { TestDeps } from './deps.ts';
import { makeContact } from './factories.ts';

type LedgerRow = typeof ledger.$inferSelect;

/**
 * A reminder due a minute ago for the first mirrored invoice of `l`, to the customer it belongs
 * to (made in the mirror if the sync did not bring it). Returns the reminder, invoice and contact.
 */
export async function dueReminder(database: TestDatabase, deps: Pick<TestDeps, 'clock'>, l: LedgerRow) {
  const [i] = await database.db.select().from(invoice).where(eq(invoice.ledgerId, l.id)).limit(1);
  const who = await makeContact(database.db, l, { externalId: i!.contactExternalId });
  await database.db.update(invoice).set({ contactId: who.id }).where(eq(invoice.id, i!.id));
  const [r] = await database.db
    .insert(reminder)
    .values({
      firmId: l.firmId,
      ledgerId: l.id,
      contactId: who.id,
      stepKey: 'after-7',
      dueAt: new Date(deps.clock.now().getTime() - 60_000),
    })
    .returning();
  await database.db
    .insert(reminderItem)
    .values({ reminderId: r!.id, invoiceId: i!.id, firmId: l.firmId, stepKey: 'after-7' });
  return { reminder: r!, invoice: i!, contact: who };
}

/** What the reminder tick needs, from a test's dependencies (its mailer records what it sends). */
export const tickDepsOf = (database: TestDatabase, deps: TestDeps, mailer: DeliverDeps['mailer'] = deps.mailer) =>
  ({
    db: database.db,
    clock: deps.clock,
    logger: deps.logger,
    resolve: deps.integrations.resolve,
    mailer,
    publicUrl: 'https://overdue.example.com',
    mailFrom: 'reminders@overdue.example.com',
  }) satisfies DeliverDeps;
