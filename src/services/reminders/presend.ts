import { inArray } from 'drizzle-orm';
import { type AccountingConnector, FETCH_MANY_MAX, type Invoice } from '../../../connectors/types.ts';
import { invoice, type ledger } from '../../db/schema/index.ts';
import { markDeleted, upsertRecords } from '../mirror.ts';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { ConnectorResolver } from '../connectors.ts';

/**
 * Brings the mirror up to date for the invoices a reminder is about to chase: what the ledger has
 * now is upserted (relinked to its current customer), what it no longer has (deleted, or no
 * longer a sales invoice) is marked gone, so the gates judge the ledger, not a webhook behind it.
 * False when the provider could not be read: the connection gate then holds the reminder.
 */
export async function refreshBeforeSend(
  deps: { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver },
  l: typeof ledger.$inferSelect,
  invoiceIds: string[],
  reminderId: string,
): Promise<boolean> {
  const { db } = deps;
  try {
    const connector = await deps.resolve(l);
    const rows = await db
      .select({ externalId: invoice.externalId })
      .from(invoice)
      .where(inArray(invoice.id, invoiceIds));
    const ids = rows.map((r) => r.externalId);
    const fresh = await fetchInvoices(connector, l.externalId, ids);
    // One upsert (and one contact-linking pass over the ledger) for all of them, not one per invoice.
    if (fresh.size) await upsertRecords(db, { firmId: l.firmId, ledgerId: l.id }, 'invoices', [...fresh.values()]);
    const now = deps.clock.now();
    const gone = ids.filter((id) => !fresh.has(id)).map((externalId) => ({ externalId, updatedAt: now }));
    if (gone.length) await markDeleted(db, l.id, 'invoices', gone);
    return true;
  } catch (err) {
    deps.logger.warn('pre-send fetch failed', { reminderId, code: (err as { code?: string }).code });
    return false;
  }
}

/**
 * The invoices behind `ids` as the ledger has them now (absent: gone), in one call per
 * FETCH_MANY_MAX where the connector can read by id list, else one by one.
 */
async function fetchInvoices(connector: AccountingConnector, account: string, ids: string[]) {
  const found = new Map<string, Invoice>();
  if (connector.fetchMany && ids.length > 1) {
    let byList = true;
    for (let i = 0; i < ids.length && byList; i += FETCH_MANY_MAX) {
      const many = await connector.fetchMany(account, 'invoices', ids.slice(i, i + FETCH_MANY_MAX));
      if (many) for (const [id, inv] of many) found.set(id, inv);
      else byList = false; // this provider has no id-list read: one by one below
    }
    if (byList) return found;
  }
  for (const id of ids) {
    const inv = await connector.fetchOne(account, 'invoices', id);
    if (inv) found.set(id, inv);
  }
  return found;
}
