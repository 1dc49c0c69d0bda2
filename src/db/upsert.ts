import { getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';

/**
 * `SET col = excluded.col` for the given columns of an upsert (by their TypeScript keys), so the
 * column list is written once. `touch` also sets updated_at = now().
 */
export function excludedSet<T extends PgTable>(
  table: T,
  keys: (keyof T['_']['columns'] & string)[],
  opts: { touch?: boolean } = {},
): Record<string, SQL> {
  const cols = getTableColumns(table) as Record<string, { name: string }>;
  const set: Record<string, SQL> = {};
  for (const k of keys) set[k] = sql.raw(`excluded."${cols[k]!.name}"`);
  if (opts.touch) set.updatedAt = sql`now()`;
  return set;
}
