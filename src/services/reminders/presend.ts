import { and, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import type { AccountingConnector } from '../../../connectors/types.ts';
import { contact, invoice, type ledger, ledger as ledgerTable, reminder, reminderItem } from '../../db/schema/index.ts';
import { refreshRecords } from '../invoice-refresh.ts';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ConnectorResolver } from '../connectors.ts';

/** What a send relies on: whether the ledger could be read, and when that read began. */
export type PresendRead = { healthy: boolean; readAt: Date };

/**
 * Brings the mirror up to date for the customers and invoices the given reminders of one ledger
 * are about to chase, in the budget's `send` lane: one call per 50 customers and one per 50
 * invoices however many reminders share them (a tick's batch, or a single send). What the ledger
 * has now is upserted (relinked to its current customer), what it no longer has (deleted, no
 * longer a sales invoice, a customer merged away) is marked gone, so the gates judge the ledger,
 * not a webhook behind it. Not healthy when the ledger could not be read: the connection gate
 * then holds the reminders.
 */
export async function refreshBeforeSends(
  deps: { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver },
  l: typeof ledger.$inferSelect,
  reminderIds: string[],
): Promise<PresendRead> {
  const { db } = deps;
  const readAt = deps.clock.now();
  if (l.status !== 'active') return { healthy: false, readAt };
  const items = await db
    .select({ id: invoice.id, externalId: invoice.externalId })
    .from(reminderItem)
    .innerJoin(invoice, eq(invoice.id, reminderItem.invoiceId))
    .where(inArray(reminderItem.reminderId, reminderIds));
  // Nothing left to chase: the ledger has nothing to tell these reminders.
  if (items.length === 0) return { healthy: true, readAt };
  const people = await db
    .selectDistinct({ externalId: contact.externalId })
    .from(reminder)
    .innerJoin(contact, eq(contact.id, reminder.contactId))
    .where(inArray(reminder.id, reminderIds));
  try {
    const connector = await deps.resolve(l, { lane: 'send' });
    const target = { firmId: l.firmId, ledgerId: l.id, account: l.externalId };
    // The customers too: an address changed or an archive whose webhook never came must not be
    // missed (a customer the ledger no longer has is marked deleted and never chased).
    const customers = [...new Set(people.map((p) => p.externalId))];
    await refreshRecords(db, connector, target, 'contacts', customers, readAt, deps.logger);
    const invoices = [...new Set(items.map((i) => i.externalId))];
    await refreshRecords(db, connector, target, 'invoices', invoices, readAt, deps.logger);
    await fetchPayLinks(
      db,
      connector,
      l.externalId,
      items.map((i) => i.id),
      readAt,
    );
    return { healthy: true, readAt };
  } catch (err) {
    deps.logger.warn('pre-send fetch failed', {
      ledgerId: l.id,
      reminders: reminderIds.length,
      code: (err as { code?: string }).code,
    });
    return { healthy: false, readAt };
  }
}

/** An open invoice without a pay link whose ledger was not asked for one in the last day. */
const linkWanted = (now: Date) =>
  and(
    eq(invoice.status, 'open'),
    isNull(invoice.onlineUrl),
    or(isNull(invoice.linkCheckedAt), lt(invoice.linkCheckedAt, new Date(now.getTime() - 86_400_000))),
  );

/**
 * Each open invoice's own pay link (Xero's online invoice, QuickBooks' invoiceLink), asked for
 * once and kept on the mirror: lists and change feeds never carry it. An invoice whose ledger
 * offers none (QuickBooks without online payments) is asked again a day later, not at every send.
 */
async function fetchPayLinks(db: Db, connector: AccountingConnector, account: string, invoiceIds: string[], now: Date) {
  const missing = await db
    .select({ id: invoice.id, externalId: invoice.externalId })
    .from(invoice)
    .where(and(inArray(invoice.id, invoiceIds), linkWanted(now)));
  let asked = 0;
  for (const m of missing) {
    const url = await connector.onlineInvoiceUrl(account, m.externalId);
    asked++;
    // The link goes into an email: only a plain https address is taken.
    const ok = !!url && /^https:\/\/[^\s"'<>]+$/.test(url);
    await db
      .update(invoice)
      .set({ linkCheckedAt: now, ...(ok ? { onlineUrl: url } : {}) })
      .where(eq(invoice.id, m.id));
  }
  return asked;
}

/**
 * Pay links for invoices whose reminders go out within `horizonMs`, asked for ahead of time in
 * the notes lane (quiet time, lowest priority): the send itself then spends no call on them.
 * Returns how many invoices the ledgers were asked about (0 when none could be).
 */
export async function prefetchPayLinks(
  deps: { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver },
  opts: { horizonMs?: number; limit?: number } = {},
): Promise<number> {
  const now = deps.clock.now();
  const rows = await deps.db
    .selectDistinct({ ledgerId: invoice.ledgerId, id: invoice.id })
    .from(reminder)
    .innerJoin(reminderItem, eq(reminderItem.reminderId, reminder.id))
    .innerJoin(invoice, eq(invoice.id, reminderItem.invoiceId))
    .innerJoin(ledgerTable, eq(ledgerTable.id, invoice.ledgerId))
    .where(
      and(
        eq(ledgerTable.status, 'active'),
        inArray(reminder.status, ['scheduled', 'awaiting_approval']),
        lte(reminder.dueAt, new Date(now.getTime() + (opts.horizonMs ?? 86_400_000))),
        linkWanted(now),
      ),
    )
    .limit(opts.limit ?? 50);
  let asked = 0;
  for (const ledgerId of new Set(rows.map((r) => r.ledgerId))) {
    const [l] = await deps.db.select().from(ledgerTable).where(eq(ledgerTable.id, ledgerId));
    if (!l) continue;
    try {
      const connector = await deps.resolve(l, { lane: 'note' });
      const ids = rows.filter((r) => r.ledgerId === ledgerId).map((r) => r.id);
      asked += await fetchPayLinks(deps.db, connector, l.externalId, ids, now);
    } catch (err) {
      // Asked again at the send, or at the next run.
      deps.logger.warn('pay links not fetched ahead', { ledgerId, code: (err as { code?: string }).code });
    }
  }
  return asked;
}
