import { fileURLToPath } from 'node:url';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { Database } from './client.ts';
import { ensureAppRole } from './isolation.ts';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/**
 * Applies the migrations drizzle-kit generated into drizzle/, then grants the role requests run as
 * (isolation.ts) what it needs on the tables they made. Safe to run from many processes.
 */
export async function runMigrations(database: Database): Promise<void> {
  if (database.kind === 'pglite') {
    await migratePglite(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    await ensureAppRole(database.db);
    return;
  }
  // Two processes starting together must not both apply a migration: serialise on a session lock
  // held by a reserved connection while the migrator runs on the pool.
  // A first statement opens the pool: without type fetching, reserve() on a pool that has never
  // connected waits forever (porsager/postgres #751).
  await database.sql`select 1`;
  const lockConn = await database.sql.reserve();
  try {
    await lockConn`select pg_advisory_lock(7411420913)`;
    await migratePostgres(database.db as never, { migrationsFolder: MIGRATIONS_FOLDER });
    // Under the lock too: two processes granting at once can fail with "tuple concurrently updated".
    await ensureAppRole(database.db);
  } finally {
    await lockConn`select pg_advisory_unlock(7411420913)`.catch(() => {});
    lockConn.release();
  }
}
