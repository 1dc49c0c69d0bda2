import {
  ConnectorError,
  FETCH_MANY_MAX,
  RESOURCES,
  type AccountingConnector,
  type Invoice,
  type RecordOf,
  type Resource,
} from '../../connectors/types.ts';
import { and, eq, inArray } from 'drizzle-orm';
import { type Db, dbError } from '../db/client.ts';
import { contact, type ledger } from '../db/schema/index.ts';
import type { Logger } from '../lib/logger.ts';
import type { Clock } from '../lib/clock.ts';
import type { ConnectorResolver } from './connectors.ts';
import type { MirrorChangeHandler } from './mirror-changes.ts';
import { invoicesAllocatedBy } from './invoice-refresh.ts';
import { readList } from './provider-reads.ts';
import { markDeleted, reassignMerged, upsertRecords } from './mirror.ts';

/** Refreshing the entities webhook events name: what the provider says now, into the mirror. */

type RefreshDeps = { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver; onChange: MirrorChangeHandler };
type LedgerRow = typeof ledger.$inferSelect;
type Key = { resource: Resource; externalId: string };

/**
 * Fetches and mirrors each entity webhook events named for one ledger, then the invoices the
 * refreshed payments and credits are allocated to; contacts merged away are marked deleted.
 * Returns the items that failed (`resource:externalId`) and why.
 */
export async function refreshLedgerEntities(
  deps: RefreshDeps,
  l: LedgerRow,
  items: Key[],
  merges: { from: string; into: string }[],
): Promise<Map<string, string>> {
  const failed = new Map<string, string>();
  const invoiceIds = new Set<string>();
  const contactIds = new Set<string>();
  let connector: AccountingConnector;
  try {
    connector = await deps.resolve(l, { lane: 'stop' });
  } catch (err) {
    for (const i of items) failed.set(`${i.resource}:${i.externalId}`, describe(err));
    return failed;
  }

  const now = deps.clock.now();
  // Round one: what the events name. Round two: invoices that refreshed payments and credits are
  // allocated to (a payment changes what they owe).
  let round: Key[] = items.map((i) => ({ resource: i.resource, externalId: i.externalId }));
  const seen = new Set(round.map(keyOf));
  while (round.length > 0) {
    const next: Key[] = [];
    for (const [resource, ids] of byResource(round)) {
      for (let i = 0; i < ids.length; i += FETCH_MANY_MAX) {
        const chunk = await refreshChunk(deps, connector, l, resource, ids.slice(i, i + FETCH_MANY_MAX), now);
        for (const [id, msg] of chunk.failed) failed.set(`${resource}:${id}`, msg);
        if (resource === 'invoices') for (const c of chunk.changed) invoiceIds.add(c.id);
        if (resource === 'contacts') for (const c of chunk.changed) contactIds.add(c.id);
        for (const k of chunk.allocated) {
          if (seen.has(keyOf(k))) continue;
          seen.add(keyOf(k));
          next.push(k);
        }
      }
    }
    round = next;
  }
  for (const { from, into } of merges) {
    const gone = await markDeleted(deps.db, l.id, 'contacts', [{ externalId: from, updatedAt: now }]);
    for (const c of gone) contactIds.add(c.id);
    // Its invoices, payments and credit now belong to the survivor, reported changed or not.
    for (const i of await reassignMerged(deps.db, l.id, [{ from, into }])) invoiceIds.add(i.id);
  }
  await deps.onChange({
    firmId: l.firmId,
    ledgerId: l.id,
    invoiceIds: [...invoiceIds],
    contactIds: [...contactIds],
    source: 'webhook',
  });
  return failed;
}

const keyOf = (k: Key) => `${k.resource}:${k.externalId}`;

/** Ids grouped by resource, in RESOURCES order: the calls made do not depend on event order. */
function byResource(keys: Key[]): [Resource, string[]][] {
  return RESOURCES.map(
    (r) => [r, keys.filter((k) => k.resource === r).map((k) => k.externalId)] as [Resource, string[]],
  ).filter(([, ids]) => ids.length > 0);
}

/**
 * Fetches one chunk of ids and mirrors it: upserts what the provider returned, marks deleted what
 * it did not. Returns the ids that failed and why, the mirror rows changed, and what to fetch next:
 * the invoices the fetched payments and credits are allocated to, the customers of the fetched
 * invoices that are not mirrored yet.
 */
async function refreshChunk(
  deps: RefreshDeps,
  connector: AccountingConnector,
  l: LedgerRow,
  resource: Resource,
  ids: string[],
  now: Date,
) {
  const { found, failed } = await fetchRecords(deps.logger, connector, l, resource, ids);
  const ok = ids.filter((id) => !failed.has(id));
  const records = ok.flatMap((id) => found.get(id) ?? []);
  // Not found now means deleted (ids are never reused), whatever order the events came in.
  const gone = ok.filter((id) => !found.has(id)).map((externalId) => ({ externalId, updatedAt: now }));
  let changed: { id: string }[];
  // A payment or credit gone from the ledger (deleted) says nothing of what it paid: the mirror's
  // copy does, and each of those invoices owes again.
  let reopened: string[] = [];
  try {
    if (gone.length && (resource === 'payments' || resource === 'credit_notes'))
      reopened = await invoicesAllocatedBy(
        deps.db,
        l.id,
        resource,
        gone.map((g) => g.externalId),
      );
    changed = [
      ...(records.length ? await upsertRecords(deps.db, { firmId: l.firmId, ledgerId: l.id }, resource, records) : []),
      ...(gone.length ? await markDeleted(deps.db, l.id, resource, gone) : []),
    ];
  } catch (err) {
    for (const id of ok) failed.set(id, describe(err));
    return { failed, changed: [], allocated: [] };
  }
  const allocated: Key[] = [
    ...records.flatMap((r) => ('allocations' in r ? r.allocations.map((a) => a.invoiceExternalId) : [])),
    ...reopened,
  ].map((externalId) => ({ resource: 'invoices' as const, externalId }));
  // An invoice naming a customer the mirror has not seen (new, or the survivor of a merge) brings
  // that customer in the next round, so the invoice is linked to it rather than to nobody.
  if (resource === 'invoices') allocated.push(...(await unknownContacts(deps, l.id, records as Invoice[])));
  return { failed, changed, allocated };
}

/**
 * The records behind `ids` (absent: deleted), in one call where the connector can, else one by
 * one. A provider that refuses the id-list request (a validation error) is asked one by one too,
 * so a filter it stopped accepting costs a call, not the events.
 */
async function fetchRecords(
  logger: Logger,
  connector: AccountingConnector,
  l: LedgerRow,
  resource: Resource,
  ids: string[],
) {
  const found = new Map<string, RecordOf<Resource>>();
  const failed = new Map<string, string>();
  try {
    const many = await readList(connector, l.externalId, resource, ids, logger);
    if (many) return { found: many as Map<string, RecordOf<Resource>>, failed };
  } catch (err) {
    for (const id of ids) failed.set(id, describe(err));
    logger.warn('webhook entities not refreshed', {
      ledgerId: l.id,
      resource,
      count: ids.length,
      code: err instanceof ConnectorError ? err.code : undefined,
    });
    return { found, failed };
  }
  for (const id of ids) {
    try {
      const record = await connector.fetchOne(l.externalId, resource, id);
      if (record) found.set(id, record);
    } catch (err) {
      failed.set(id, describe(err));
      logger.warn('webhook entity not refreshed', { ledgerId: l.id, resource, code: (err as { code?: string }).code });
    }
  }
  return { found, failed };
}

function describe(err: unknown): string {
  if (err instanceof ConnectorError)
    return `${err.provider} ${err.code}${err.providerCode ? ` (${err.providerCode})` : ''}: ${err.message}`.slice(
      0,
      500,
    );
  if (err instanceof Error) {
    const e = dbError(err);
    return `${e.code ?? err.name}: ${e.message}`.slice(0, 500);
  }
  return 'processing failed';
}

async function unknownContacts(deps: RefreshDeps, ledgerId: string, invoices: Invoice[]): Promise<Key[]> {
  const named = [...new Set(invoices.map((i) => i.contactExternalId))];
  if (named.length === 0) return [];
  const known = new Set(
    (
      await deps.db
        .select({ externalId: contact.externalId })
        .from(contact)
        .where(and(eq(contact.ledgerId, ledgerId), inArray(contact.externalId, named)))
    ).map((r) => r.externalId),
  );
  return named.filter((id) => !known.has(id)).map((externalId) => ({ resource: 'contacts' as const, externalId }));
}
