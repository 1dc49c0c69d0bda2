import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import { MIGRATIONS_FOLDER } from '../../src/db/migrate.ts';
import type { TestDatabase } from './db.ts';

/**
 * The migrations up to and including `lastIdx`, in a folder of their own: a database brought to
 * that point holds data as it was stored then, for a later migration to be tested on.
 */
export function migrationsUpTo(lastIdx: number) {
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
