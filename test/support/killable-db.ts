import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from './db.ts';

export type KillableDatabase = TestDatabase & {
  /** Cuts every connection the service holds; returns how many were cut. */
  kill(): Promise<number>;
  /** What a restarted process does: opens the database again (Postgres: the pool already reconnects). */
  restart(): Promise<void>;
};

/**
 * A migrated database whose connections a test can cut in the middle of work.
 * - Postgres: every backend of the test database is terminated (`pg_terminate_backend`), as a
 *   server restart or failover does; in-flight statements and open transactions fail, and the
 *   pool opens new connections for the next statements.
 * - PGlite (embedded, in-process): the only connection is the process's own, so the database is
 *   closed mid-work and opened again from its directory on disk, as after a crash and restart.
 * `db` always answers the current handle: callers read it after a restart.
 */
export async function killableDatabase(): Promise<KillableDatabase> {
  if (onPostgres()) {
    // Connections cut during start-up are given up on after 1 s (the service: 10 s), and after a
    // run of cut connections the pool waits at most 0.2 s to reconnect (the driver: up to 20 s).
    const database = await createTestDatabase({ connectTimeoutSeconds: 1, reconnectMaxSeconds: 0.2 });
    const admin = postgres(process.env.DATABASE_URL!, { max: 1, onnotice: () => {} });
    const dropDatabase = database.drop;
    return Object.assign(database, {
      kill: async () => {
        const [row] = await admin<{ n: number }[]>`
          select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
          where datname = ${database.name} and pid <> pg_backend_pid()`;
        return row!.n;
      },
      restart: async () => {},
      drop: async () => {
        await admin.end();
        await dropDatabase();
      },
    });
  }
  const dir = mkdtempSync(join(tmpdir(), 'overdue-kill-'));
  const pgliteDir = join(dir, 'pglite');
  let current: Database = await openDatabase({ pgliteDir });
  await runMigrations(current);
  // A kill while already down, or a restart while up, changes nothing: killers and restarters
  // run concurrently and never open the directory twice.
  let down = false;
  const handle = {
    name: 'pglite',
    kind: 'pglite' as const,
    get db() {
      return current.db;
    },
    get pglite() {
      return (current as Extract<Database, { kind: 'pglite' }>).pglite;
    },
    close: () => current.close(),
    kill: async () => {
      if (down) return 0;
      down = true;
      await current.close();
      return 1;
    },
    restart: async () => {
      if (!down) return;
      current = await openDatabase({ pgliteDir });
      down = false;
    },
    drop: async () => {
      await current.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle as unknown as KillableDatabase;
}
