import { and, eq } from 'drizzle-orm';
import type { AccountingConnector, Resource } from '../../connectors/types.ts';
import type { Logger } from '../lib/logger.ts';
import { readByIds } from './provider-reads.ts';
import { anyOf } from '../db/array-param.ts';
import type { Db } from '../db/client.ts';
import { creditNote, payment } from '../db/schema/index.ts';
import { type Changed, markDeleted, type MirrorTarget, upsertRecords } from './mirror.ts';

/**
 * Re-reads records from the ledger into the mirror: what the ledger has now is upserted (an
 * invoice relinked to its current customer), what it no longer has (deleted, no longer a sales
 * invoice, a customer merged away) is marked gone. Returns the mirror rows that changed.
 * Provider errors propagate.
 */
export async function refreshRecords(
  db: Db,
  connector: AccountingConnector,
  target: MirrorTarget & { account: string },
  resource: Resource,
  externalIds: string[],
  now: Date,
  logger?: Logger,
): Promise<Changed[]> {
  if (externalIds.length === 0) return [];
  const fresh = await readByIds(connector, target.account, resource, externalIds, logger);
  const changed: Changed[] = [];
  if (fresh.size) changed.push(...(await upsertRecords(db, target, resource, [...fresh.values()])));
  const gone = externalIds.filter((id) => !fresh.has(id)).map((externalId) => ({ externalId, updatedAt: now }));
  if (gone.length) changed.push(...(await markDeleted(db, target.ledgerId, resource, gone)));
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
