import { and, eq } from 'drizzle-orm';
import { type AccountingConnector, FETCH_MANY_MAX, type Invoice } from '../../connectors/types.ts';
import { anyOf } from '../db/array-param.ts';
import type { Db } from '../db/client.ts';
import { creditNote, payment } from '../db/schema/index.ts';
import { type Changed, markDeleted, type MirrorTarget, upsertRecords } from './mirror.ts';

/**
 * Re-reads invoices from the ledger into the mirror: what the ledger has now is upserted
 * (relinked to its current customer), what it no longer has (deleted, or no longer a sales
 * invoice) is marked gone. Returns the mirror rows that changed. Provider errors propagate.
 */
export async function refreshInvoices(
  db: Db,
  connector: AccountingConnector,
  target: MirrorTarget & { account: string },
  externalIds: string[],
  now: Date,
): Promise<Changed[]> {
  if (externalIds.length === 0) return [];
  const fresh = await fetchInvoices(connector, target.account, externalIds);
  const changed: Changed[] = [];
  if (fresh.size) changed.push(...(await upsertRecords(db, target, 'invoices', [...fresh.values()])));
  const gone = externalIds.filter((id) => !fresh.has(id)).map((externalId) => ({ externalId, updatedAt: now }));
  if (gone.length) changed.push(...(await markDeleted(db, target.ledgerId, 'invoices', gone)));
  return changed;
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

/**
 * The invoices the mirror's copies of these payments or credit notes were allocated to. Read
 * before a deletion is applied: a deleted payment comes back from the ledger as an id only, yet
 * every invoice it paid owes again and must be re-read.
 */
export async function invoicesAllocatedBy(
  db: Db,
  ledgerId: string,
  resource: 'payments' | 'credit_notes',
  externalIds: string[],
): Promise<string[]> {
  if (externalIds.length === 0) return [];
  const table = resource === 'payments' ? payment : creditNote;
  const rows = await db
    .select({ allocations: table.allocations })
    .from(table)
    .where(and(eq(table.ledgerId, ledgerId), anyOf(table.externalId, externalIds)));
  return [...new Set(rows.flatMap((r) => r.allocations.map((a) => a.invoiceExternalId)))];
}
