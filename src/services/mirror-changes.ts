import { and, eq, inArray } from 'drizzle-orm';
import { anyOf } from '../db/array-param.ts';
import type { Db } from '../db/client.ts';
import { contact, invoice, reminder, reminderItem } from '../db/schema/index.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * What changed in one ledger's mirror (mirror row ids). Webhook processing and sync report every
 * change here; reminder planning and risk scoring subscribe, so a paid invoice stops its
 * reminders and a new payment rescores its contact, whichever path brought the news.
 */
export type MirrorChange = {
  firmId: string;
  ledgerId: string;
  invoiceIds: string[];
  contactIds: string[];
  source: 'webhook' | 'sync';
  /**
   * Anything in the ledger may have changed (a backfill, or one resumed mid-way): subscribers
   * work on the whole ledger at once, as one pass, instead of on lists of ids.
   */
  wholeLedger?: boolean;
};
export type MirrorChangeHandler = (change: MirrorChange) => Promise<void>;

/** One handler that calls each subscriber; one failing subscriber neither stops the others nor the caller. */
export function fanOut(handlers: MirrorChangeHandler[], logger: Logger): MirrorChangeHandler {
  return async (change) => {
    if (change.invoiceIds.length === 0 && change.contactIds.length === 0 && !change.wholeLedger) return;
    const results = await Promise.allSettled(handlers.map((h) => h(change)));
    for (const r of results) {
      if (r.status === 'rejected') {
        const err = r.reason as Error;
        logger.error('mirror change handler failed', {
          ledgerId: change.ledgerId,
          error: err?.name,
          message: err?.message,
        });
      }
    }
  };
}

/**
 * Handlers that depend on each other, one after another: risk scores first, then the replanning
 * that reads them to pick a cadence. A failing step is logged and the next still runs.
 */
export function inOrder(handlers: MirrorChangeHandler[], logger: Logger): MirrorChangeHandler {
  return async (change) => {
    for (const h of handlers) {
      try {
        await h(change);
      } catch (err) {
        logger.error('mirror change handler failed', {
          ledgerId: change.ledgerId,
          error: (err as Error)?.name,
          message: (err as Error)?.message,
        });
      }
    }
  };
}

/**
 * The contacts a change touches (a sync reports up to 5,000 invoice ids at once: one array
 * parameter, not 5,000): those named, those of the invoices named, and those whose
 * pending reminders still hold one of those invoices (an invoice moved to another customer must
 * leave the previous customer's reminder).
 */
export async function changedContacts(db: Db, change: MirrorChange): Promise<string[]> {
  if (change.wholeLedger)
    return (await db.select({ id: contact.id }).from(contact).where(eq(contact.ledgerId, change.ledgerId))).map(
      (c) => c.id,
    );
  const owners = change.invoiceIds.length
    ? await db
        .selectDistinct({ contactId: invoice.contactId })
        .from(invoice)
        .where(anyOf(invoice.id, change.invoiceIds, 'uuid'))
    : [];
  const reminded = change.invoiceIds.length
    ? await db
        .selectDistinct({ contactId: reminder.contactId })
        .from(reminderItem)
        .innerJoin(reminder, eq(reminder.id, reminderItem.reminderId))
        .where(
          and(
            anyOf(reminderItem.invoiceId, change.invoiceIds, 'uuid'),
            inArray(reminder.status, ['scheduled', 'awaiting_approval']),
          ),
        )
    : [];
  const ids = [...change.contactIds, ...owners.map((r) => r.contactId), ...reminded.map((r) => r.contactId)];
  return [...new Set(ids.filter((x): x is string => !!x))];
}

export const noMirrorHandlers: MirrorChangeHandler = async () => {};
