import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import { afterAll } from 'vitest';
import { createTestDatabase, type TestDatabase } from './db.ts';

/**
 * The migrations up to and including `lastIdx`, in a folder of their own: a database brought to
 * that point holds data as it was stored then, for a later migration to be tested on.
 */
function migrationsUpTo(lastIdx: number) {
  const dir = mkdtempSync(join(tmpdir(), 'overdue-migrations-'));
  cpSync(MIGRATIONS_FOLDER, dir, { recursive: true });
  const journalPath = join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number }[] };
  journal.entries = journal.entries.filter((e) => e.idx <= lastIdx);
  writeFileSync(journalPath, JSON.stringify(journal));
  return {
    apply: async (database: TestDatabase) => {
      if (database.kind === 'pglite') await migratePglite(database.db as never, { migrationsFolder: dir });
      else await migratePostgres(database.db as never, { migrationsFolder: dir });
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * A fresh database brought to migration `lastIdx` (call it inside a test), dropped with its
 * migrations folder after the file's tests: for testing what a later migration does to old data.
 */
export function databaseAtMigration(lastIdx: number) {
  const folder = migrationsUpTo(lastIdx);
  const made: TestDatabase[] = [];
  afterAll(async () => {
    for (const db of made) await db.drop();
    folder.remove();
  });
  return async () => {
    const database = await createTestDatabase({ migrate: false });
    made.push(database);
    await folder.apply(database);
    return database;
  };
}
