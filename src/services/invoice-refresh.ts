import { and, eq } from 'drizzle-orm';
import type { AccountingConnector } from '../../connectors/types.ts';
import { readByIds } from './provider-reads.ts';
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
  const fresh = await readByIds(connector, target.account, 'invoices', externalIds);
  const changed: Changed[] = [];
  if (fresh.size) changed.push(...(await upsertRecords(db, target, 'invoices', [...fresh.values()])));
  const gone = externalIds.filter((id) => !fresh.has(id)).map((externalId) => ({ externalId, updatedAt: now }));
  if (gone.length) changed.push(...(await markDeleted(db, target.ledgerId, 'invoices', gone)));
  return changed;
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
