import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { type Database, queryRows } from './client.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Applies the migrations drizzle-kit generated into drizzle/. Safe to run from many processes. */
export async function runMigrations(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    return;
  }
  // Two processes starting together must not both apply a migration: serialise on a session lock
  // held by a reserved connection while the migrator runs on the pool.
  const lockConn = await database.sql.reserve();
  try {
    await lockConn`select pg_advisory_lock(7411420913)`;
    await migratePostgres(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await lockConn`select pg_advisory_unlock(7411420913)`.catch(() => {});
    lockConn.release();
  }
}

/** Number of migrations in drizzle/meta/_journal.json. */
export function expectedMigrationCount(): number {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

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
