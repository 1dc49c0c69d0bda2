import { randomBytes } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, dbError, openDatabase, queryRows } from '../../src/db/client.ts';
import { APP_ROLE, asFirm, ensureAppRole, isolationProblems, tenantTables } from '../../src/db/isolation.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeFirm } from '../support/factories.ts';
import { rowsForFirm } from '../support/tenant-rows.ts';

/**
 * Row-level security (issue 29; reliability checklist #23–25), on PGlite and Postgres: the policy
 * on every tenant table, exercised as the service's own role would be (not the tables' owner,
 * not a superuser) with the firm set per transaction.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await ensureAppRole(database.db);
});
afterAll(() => database.drop());

const INSUFFICIENT_PRIVILEGE = '42501';
const firmColumn = (table: string) => sql.identifier(table === 'firm' ? 'id' : 'firm_id');

/** One transaction as `role`, acting for `firmId` (none: no firm set). */
function asRole<T>(db: Db, role: string, firmId: string | null, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (firmId) return asFirm(db, firmId, fn, role);
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local role ${sql.identifier(role)}`);
    return fn(tx as unknown as Db);
  });
}
const one = async (db: Db, q: SQL) => Number((await queryRows<{ n: number }>(db, q))[0]!.n);
const refusal = (p: Promise<unknown>) =>
  p.then(
    () => 'allowed',
    (err: unknown) => dbError(err).code ?? 'error',
  );

describe('row-level security on every tenant table', () => {
  it('covers every table that holds a firm’s rows, each with its policy', async () => {
    const tables = await tenantTables(database.db);
    expect(tables).toHaveLength(36);
    const policed = await queryRows<{ name: string }>(
      database.db,
      sql`select tablename as name from pg_policies where schemaname = current_schema() and policyname = 'firm_isolation'`,
    );
    expect(policed.map((p) => p.name).sort()).toEqual(tables);
  });

  it("cross-tenant matrix: A's context never reads, changes, deletes or writes B's rows; no context sees nothing", async () => {
    const tables = await tenantTables(database.db);
    const a = await makeFirm(database.db);
    const b = await makeFirm(database.db);
    await rowsForFirm(database.db, a.id, tables);
    await rowsForFirm(database.db, b.id, tables);
    const outcome: Record<string, Record<string, unknown>> = {};
    for (const table of tables) {
      const t = sql.identifier(table);
      const f = firmColumn(table);
      const bRow = (
        await queryRows<{ j: string }>(
          database.db,
          sql`select row_to_json(x)::text as j from ${t} x where ${f} = ${b.id}`,
        )
      )[0]!.j;
      const seen = await asRole(database.db, APP_ROLE, a.id, async (tx) => ({
        own: await one(tx, sql`select count(*)::int as n from ${t} where ${f} = ${a.id}`),
        select: await one(tx, sql`select count(*)::int as n from ${t} where ${f} = ${b.id}`),
        update: await one(
          tx,
          sql`with u as (update ${t} set ${f} = ${f} where ${f} = ${b.id} returning 1) select count(*)::int as n from u`,
        ),
        delete: await one(
          tx,
          sql`with d as (delete from ${t} where ${f} = ${b.id} returning 1) select count(*)::int as n from d`,
        ),
      }));
      const insert = await refusal(
        asRole(database.db, APP_ROLE, a.id, (tx) =>
          tx.execute(sql`insert into ${t} select * from json_populate_record(null::${t}, ${bRow}::json)`),
        ),
      );
      const move = await refusal(
        asRole(database.db, APP_ROLE, a.id, (tx) =>
          tx.execute(sql`update ${t} set ${f} = ${b.id}::uuid where ${f} = ${a.id}`),
        ),
      );
      const noContext = await asRole(database.db, APP_ROLE, null, (tx) =>
        one(tx, sql`select count(*)::int as n from ${t}`),
      );
      const bStill = await one(database.db, sql`select count(*)::int as n from ${t} where ${f} = ${b.id}`);
      outcome[table] = { ...seen, insert, move, noContext, bStill };
    }
    const expected = Object.fromEntries(
      tables.map((t) => [
        t,
        {
          own: 1,
          select: 0,
          update: 0,
          delete: 0,
          insert: INSUFFICIENT_PRIVILEGE,
          move: INSUFFICIENT_PRIVILEGE,
          noContext: 0,
          bStill: 1,
        },
      ]),
    );
    expect(outcome).toEqual(expected);
  });

  it('pool soak: 10,000 interleaved transactions for 50 firms over 5 connections see only their firm', async () => {
    const firms = await Promise.all(Array.from({ length: 50 }, () => makeFirm(database.db)));
    for (const f of firms) await rowsForFirm(database.db, f.id, ['ledger']);
    // Postgres: a pool of 5 of its own; PGlite: its one connection.
    const pool =
      database.kind === 'postgres'
        ? await openDatabase({ url: database.url, pgliteDir: ':memory:', maxConnections: 5 })
        : database;
    const wrong: string[] = [];
    try {
      for (let round = 0; round < 200; round++)
        await Promise.all(
          firms.map(async (f, i) => {
            const n = round * 50 + i;
            // Some transactions fail after setting their firm, some set none: nothing may linger.
            if (n % 11 === 0) {
              const rows = await asRole(pool.db, APP_ROLE, null, (tx) =>
                queryRows<{ firm_id: string }>(tx, sql`select firm_id from ledger`),
              );
              if (rows.length) wrong.push(`no context saw ${rows.length}`);
              return;
            }
            if (n % 7 === 0) {
              await refusal(asRole(pool.db, APP_ROLE, f.id, (tx) => tx.execute(sql`select 1/0`)));
              return;
            }
            const rows = await asRole(pool.db, APP_ROLE, f.id, (tx) =>
              queryRows<{ firm_id: string }>(tx, sql`select firm_id from ledger`),
            );
            if (rows.length !== 1 || rows[0]!.firm_id !== f.id) wrong.push(`${f.id} saw ${rows.map((r) => r.firm_id)}`);
          }),
        );
    } finally {
      if (pool !== database) await pool.close();
    }
    expect(wrong).toEqual([]);
  }, 300_000);
});

describe('the isolation check the service will run at start-up', () => {
  it('as the database stands today: the superuser and the unforced tables are named', async () => {
    const problems = await isolationProblems(database.db);
    expect(problems[0]).toMatch(/is a superuser/);
    expect(problems.filter((p) => /does not force row-level security/.test(p))).toHaveLength(36);
  });

  it('passes for a plain role on forced tables, and names each condition flipped in turn', async () => {
    const role = `overdue_check_${randomBytes(4).toString('hex')}`;
    await ensureAppRole(database.db, role);
    const tables = await tenantTables(database.db);
    const ddl = (q: string) => database.db.execute(sql.raw(q));
    const [agencyOwner] = await queryRows<{ owner: string }>(
      database.db,
      sql`select pg_get_userbyid(relowner) as owner from pg_class where relname = 'agency'`,
    );
    for (const t of tables) await ddl(`alter table "${t}" force row level security`);
    const check = () =>
      database.db.transaction(async (tx) => {
        await tx.execute(sql`set local role ${sql.identifier(role)}`);
        return isolationProblems(tx as unknown as Db);
      });
    try {
      expect(await check()).toEqual([]);
      const flips: [string, string, RegExp][] = [
        [`alter role ${role} superuser`, `alter role ${role} nosuperuser`, /is a superuser/],
        [`alter role ${role} bypassrls`, `alter role ${role} nobypassrls`, /has BYPASSRLS/],
        [
          `alter table agency owner to ${role}`,
          `alter table agency owner to "${agencyOwner!.owner}"`,
          /owns tables \(agency\)/,
        ],
        [
          'alter table invoice disable row level security',
          'alter table invoice enable row level security',
          /table invoice has no row-level security/,
        ],
        [
          'alter table payment no force row level security',
          'alter table payment force row level security',
          /table payment does not force/,
        ],
      ];
      for (const [flip, back, named] of flips) {
        await ddl(flip);
        const problems = await check();
        await ddl(back);
        expect(problems, flip).toHaveLength(1);
        expect(problems[0], flip).toMatch(named);
        expect(await check(), back).toEqual([]);
      }
    } finally {
      for (const t of tables) await ddl(`alter table "${t}" no force row level security`);
      await ddl(`drop owned by ${role}`).catch(() => {});
      await ddl(`drop role if exists ${role}`).catch(() => {});
    }
  });
});
