import {
  type AccountingConnector,
  ConnectorError,
  FETCH_MANY_MAX,
  type RecordOf,
  type Resource,
} from '../../connectors/types.ts';
import type { Logger } from '../lib/logger.ts';

/**
 * Reading records by id, as every refresh does (webhooks, pre-send): one call per FETCH_MANY_MAX
 * ids where the connector reads id lists, one call per id where it cannot. Absent from the
 * answer means the ledger no longer has it.
 */

/**
 * The records behind `ids` in one call per FETCH_MANY_MAX, or null when the connector cannot
 * read them as a list (no id-list read for the resource, or it refused this list as invalid):
 * the caller then reads one by one, so a filter a provider stopped accepting costs calls, not
 * records. Any other failure propagates.
 */
export async function readList<R extends Resource>(
  connector: AccountingConnector,
  account: string,
  resource: R,
  ids: string[],
  logger?: Logger,
): Promise<Map<string, RecordOf<R>> | null> {
  if (!connector.fetchMany || ids.length <= 1) return null;
  const found = new Map<string, RecordOf<R>>();
  for (let i = 0; i < ids.length; i += FETCH_MANY_MAX) {
    let many: Map<string, RecordOf<R>> | null;
    try {
      many = await connector.fetchMany(account, resource, ids.slice(i, i + FETCH_MANY_MAX));
    } catch (err) {
      if (!(err instanceof ConnectorError && err.code === 'validation')) throw err;
      logger?.warn('id-list fetch refused; fetching one by one', { resource, providerCode: err.providerCode });
      return null;
    }
    if (!many) return null;
    for (const [id, record] of many) found.set(id, record);
  }
  return found;
}

/** The records behind `ids`, by list where possible, else one by one; failures propagate. */
export async function readByIds<R extends Resource>(
  connector: AccountingConnector,
  account: string,
  resource: R,
  ids: string[],
  logger?: Logger,
): Promise<Map<string, RecordOf<R>>> {
  const listed = await readList(connector, account, resource, ids, logger);
  if (listed) return listed;
  const found = new Map<string, RecordOf<R>>();
  for (const id of ids) {
    const record = await connector.fetchOne(account, resource, id);
    if (record) found.set(id, record);
  }
  return found;
}
