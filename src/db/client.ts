import type { PGlite } from '@electric-sql/pglite';
import type { SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as schema from './schema/index.ts';

type Schema = typeof schema;
/** The one database type the services see, whichever driver sits underneath. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export type Database =
  | { kind: 'pglite'; db: Db; pglite: PGlite; close(): Promise<void> }
  | { kind: 'postgres'; db: Db; url: string; sql: postgres.Sql; close(): Promise<void> };

export type DatabaseOptions = {
  url?: string;
  pgliteDir: string;
  /**
   * PGlite only: a data directory dumped by `dumpDataDir()` to start an empty directory from,
   * instead of running initdb (about 3 s of CPU). The test suite seeds every database from one
   * migrated dump.
   */
  pgliteSeed?: Blob;
  maxConnections?: number;
  connectTimeoutSeconds?: number;
  /**
   * Postgres only: the longest wait before reconnecting after consecutive failed connections.
   * The driver's own curve (3^n / 100 s, jittered) reaches 20 s after seven; tests that cut
   * connections every few milliseconds cap it so they measure our recovery, not the wait.
   */
  reconnectMaxSeconds?: number;
};

/** Postgres when a URL is given, otherwise embedded PGlite (on disk, or `:memory:`). */
export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  if (opts.url) {
    const sql = postgres(opts.url, {
      max: opts.maxConnections ?? 10,
      onnotice: () => {},
      // Off: the driver's per-connection array-type lookup runs unguarded, so a connection cut
      // while it runs leaves an unhandled rejection and can wedge the next statement for good
      // (porsager/postgres #1192, #1223; seen in test/integration/faults-db-tick.test.ts).
      // Drizzle encodes and parses array columns itself and needs none of it.
      fetch_types: false,
      // A connection cut during its start-up can wait for an answer that never comes: give up on
      // it and reconnect well before the driver's default 30 s.
      connect_timeout: opts.connectTimeoutSeconds ?? 10,
      ...(opts.reconnectMaxSeconds === undefined ? {} : { backoff: reconnectBackoff(opts.reconnectMaxSeconds) }),
      // Numeric and date columns stay strings: money is never a float, dates never shift zones.
      types: { date: { to: 1082, from: [1082], serialize: (x: string) => x, parse: (x: string) => x } },
    });
    const db = drizzlePostgres(sql, { schema }) as unknown as Db;
    return { kind: 'postgres', db, url: opts.url, sql, close: () => sql.end({ timeout: 5 }) };
  }
  // Loaded on demand: the Workers bundle only ever takes the Postgres path above.
  const [{ PGlite }, { drizzle: drizzlePglite }, { mkdirSync }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
    import('node:fs'),
  ]);
  const inMemory = opts.pgliteDir === ':memory:';
  if (!inMemory) mkdirSync(opts.pgliteDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir: inMemory ? undefined : opts.pgliteDir, loadDataDir: opts.pgliteSeed });
  const db = drizzlePglite({ client: pglite, schema }) as unknown as Db;
  return {
    kind: 'pglite',
    db,
    pglite,
    close: async () => {
      if (!pglite.closed) await pglite.close();
    },
  };
}

/** The driver's reconnect curve with a lower ceiling. */
const reconnectBackoff = (maxSeconds: number) => (retries: number) =>
  (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, maxSeconds);

/** Raw SQL rows, whichever driver: postgres-js returns an array, PGlite an object with rows. */
export async function queryRows<T>(db: Pick<Db, 'execute'>, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * Rows of one raw statement, prepared once per connection on Postgres. Drizzle sends every query
 * unnamed, so postgres.js asks the server to describe its parameters first: a second round trip
 * per query. A hot-path statement (the webhook inbox insert) saves it.
 */
export async function preparedRows<T>(
  database: Database,
  text: string,
  params: (string | number | null)[],
): Promise<T[]> {
  if (database.kind === 'postgres')
    return (await database.sql.unsafe(text, params, { prepare: true })) as unknown as T[];
  return (await database.pglite.query<T>(text, params)).rows;
}

/**
 * The driver's own error under drizzle's wrapper. Drizzle's message carries the query and its
 * parameters (bodies, tokens): log and store this instead, never the wrapper's message.
 */
export function dbError(err: unknown): { code?: string; message: string } {
  const inner = (err as { cause?: unknown })?.cause ?? err;
  const code = (inner as { code?: unknown })?.code;
  const message = inner instanceof Error ? inner.message : 'database error';
  return { code: typeof code === 'string' ? code : undefined, message: message.slice(0, 300) };
}
