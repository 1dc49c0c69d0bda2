import { sql } from 'drizzle-orm';
import journal from '../../drizzle/meta/_journal.json' with { type: 'json' };
import { type Database, queryRows } from './client.ts';

/**
 * Whether the database has every migration drizzle-kit generated. The journal is bundled (not
 * read from disk), so /readyz answers the same on Node and on Workers.
 */
export const expectedMigrationCount = (): number => journal.entries.length;

/** True when every generated migration is recorded as applied. */
export async function migrationsApplied(database: Database, expected = expectedMigrationCount()): Promise<boolean> {
  try {
    const [row] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    return Number(row?.n ?? 0) >= expected;
  } catch {
    return false;
  }
}
