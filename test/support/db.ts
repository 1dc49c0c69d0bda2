import { afterEach, beforeEach } from 'vitest';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { inject } from 'vitest';
import { type Database, type DatabaseOptions, openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { withDatabase } from './global-setup.ts';

export const onPostgres = () => Boolean(process.env.DATABASE_URL);

let seed: Blob | undefined;
/** The migrated dump global-setup wrote, read once per test process. */
function pgliteSeed(): Blob {
  seed ??= new Blob([readFileSync(inject('pgliteSeed'))]);
  return seed;
}

export type TestDatabase = Database & { name: string; drop(): Promise<void> };

/**
 * A fresh, migrated database for one test file: in-memory PGlite by default, or (DATABASE_URL set)
 * a new Postgres database cloned from the migrated template.
 */
export async function createTestDatabase(
  opts: { migrate?: boolean } & Pick<DatabaseOptions, 'connectTimeoutSeconds' | 'reconnectMaxSeconds'> = {},
): Promise<TestDatabase> {
  const migrate = opts.migrate ?? true;
  const url = process.env.DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ pgliteDir: ':memory:', pgliteSeed: migrate ? pgliteSeed() : undefined });
    // A no-op on the seed (its migrations are recorded); kept so no test database lags drizzle/.
    if (migrate) await runMigrations(database);
    return Object.assign(database, { name: 'pglite', drop: () => database.close() });
  }
  const name = `overdue_t_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(
    migrate ? `create database "${name}" template "${inject('templateDatabase')}"` : `create database "${name}"`,
  );
  await admin.end();
  const dbUrl = withDatabase(url, name);
  const database = await openDatabase({
    url: dbUrl,
    pgliteDir: ':memory:',
    maxConnections: 5,
    connectTimeoutSeconds: opts.connectTimeoutSeconds,
    reconnectMaxSeconds: opts.reconnectMaxSeconds,
  });
  return Object.assign(database, {
    name,
    drop: async () => {
      await database.close();
      const a = postgres(url, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  });
}

/**
 * A fresh database for every test of a file, dropped after it; `cleanups` (servers, sinks) run
 * first. Use `fresh.database` inside tests.
 */
export function freshDatabasePerTest() {
  const fresh = { database: undefined as unknown as TestDatabase, cleanups: [] as (() => Promise<void>)[] };
  beforeEach(async () => {
    fresh.database = await createTestDatabase();
  });
  afterEach(async () => {
    for (const c of fresh.cleanups.splice(0)) await c();
    await fresh.database.drop();
  });
  return fresh;
}
