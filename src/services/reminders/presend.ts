import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { AccountingConnector } from '../../../connectors/types.ts';
import { invoice, type ledger } from '../../db/schema/index.ts';
import { refreshInvoices } from '../invoice-refresh.ts';
import { markDeleted, upsertRecords } from '../mirror.ts';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ConnectorResolver } from '../connectors.ts';

/**
 * Brings the mirror up to date for the customer and the invoices a reminder is about to chase (two
 * calls where the provider reads by id list): what the ledger has
 * now is upserted (relinked to its current customer), what it no longer has (deleted, or no
 * longer a sales invoice) is marked gone, so the gates judge the ledger, not a webhook behind it.
 * False when the provider could not be read: the connection gate then holds the reminder.
 */
export async function refreshBeforeSend(
  deps: { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver },
  l: typeof ledger.$inferSelect,
  invoiceIds: string[],
  reminderId: string,
  contactExternalId: string,
): Promise<boolean> {
  const { db } = deps;
  // Nothing left to chase: the ledger has nothing to tell this reminder.
  if (invoiceIds.length === 0) return true;
  try {
    const connector = await deps.resolve(l);
    const rows = await db
      .select({ externalId: invoice.externalId })
      .from(invoice)
      .where(inArray(invoice.id, invoiceIds));
    const ids = rows.map((r) => r.externalId);
    const target = { firmId: l.firmId, ledgerId: l.id, account: l.externalId };
    const now = deps.clock.now();
    // The customer too: an address changed or an archive whose webhook never came must not be
    // missed (a customer the ledger no longer has is marked deleted and never chased).
    const person = await connector.fetchOne(l.externalId, 'contacts', contactExternalId);
    if (person) await upsertRecords(db, target, 'contacts', [person]);
    else await markDeleted(db, l.id, 'contacts', [{ externalId: contactExternalId, updatedAt: now }]);
    await refreshInvoices(db, connector, target, ids, now);
    await fetchPayLinks(db, connector, l.externalId, invoiceIds);
    return true;
  } catch (err) {
    deps.logger.warn('pre-send fetch failed', { reminderId, code: (err as { code?: string }).code });
    return false;
  }
}

/**
 * Each open invoice's own pay link (Xero's online invoice, QuickBooks' invoiceLink), asked for
 * once and kept on the mirror: lists and change feeds never carry it. An invoice whose ledger
 * offers none (QuickBooks without online payments) is asked again at its next send.
 */
async function fetchPayLinks(db: Db, connector: AccountingConnector, account: string, invoiceIds: string[]) {
  const missing = await db
    .select({ id: invoice.id, externalId: invoice.externalId })
    .from(invoice)
    .where(and(inArray(invoice.id, invoiceIds), eq(invoice.status, 'open'), isNull(invoice.onlineUrl)));
  for (const m of missing) {
    const url = await connector.onlineInvoiceUrl(account, m.externalId);
    // The link goes into an email: only a plain https address is taken.
    if (url && /^https:\/\/[^\s"'<>]+$/.test(url))
      await db.update(invoice).set({ onlineUrl: url }).where(eq(invoice.id, m.id));
  }
}
