import { sql } from 'drizzle-orm';
import { type Database, openDatabase, queryRows } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { fixedClock } from '../src/lib/clock.ts';
import { loadHistory } from '../src/services/risk/history.ts';
import { rescoreContacts, rescoreLedger } from '../src/services/risk/scoring.ts';
import { freshBenchDatabase, report } from './lib.ts';

/**
 * Risk scoring at scale (Postgres when reachable): BENCH_RISK_CONTACTS (default 100,000)
 * customers in one ledger, each with 5 settled invoices (random lateness) and 1 open.
 * 1. Full rescoring (refit + score every customer and open invoice + store), against the time
 *    it takes only to read the same history (the floor any rescoring pays).
 * 2. Incremental rescoring of one customer (what a webhook triggers), p50/p99 over 200 runs,
 *    against one indexed read of that customer's invoices.
 */
const CONTACTS = Number(process.env.BENCH_RISK_CONTACTS ?? 100_000);
const RUNS = 200;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function seed(db: Database['db'], firmId: string, ledgerId: string) {
  await db.execute(sql`select setseed(0.42)`);
  await db.execute(sql`
    insert into contact (firm_id, ledger_id, external_id, provider_updated_at, name, status)
    select ${firmId}, ${ledgerId}, 'c' || g, now(), 'Customer ' || g, 'active' from generate_series(1, ${CONTACTS}) g`);
  // Each customer has a habit (mean days late); invoices monthly, the newest one still open.
  await db.execute(sql`
    insert into invoice (firm_id, ledger_id, contact_id, contact_external_id, external_id, provider_updated_at, status, currency, issue_date, due_date, total, amount_due, amount_paid, paid_at)
    select c.firm_id, c.ledger_id, c.id, c.external_id, c.external_id || '-' || k, now(),
           case when k = 6 then 'open'::invoice_status else 'paid'::invoice_status end, 'NZD',
           date '2026-05-01' + (k * 30), date '2026-05-31' + (k * 30),
           100 + (k * 7) % 300, case when k = 6 then 100 + (k * 7) % 300 else 0 end, case when k = 6 then 0 else 100 + (k * 7) % 300 end,
           case when k = 6 then null else (date '2026-05-31' + (k * 30) + ((h.habit + floor(random() * 10) - 5)::int)) + time '12:00' end
    from contact c
    cross join generate_series(1, 6) k
    cross join lateral (select floor(random() * 30 - 8) as habit) h
    where c.ledger_id = ${ledgerId}`);
}

export async function riskBench() {
  const fresh = await freshBenchDatabase();
  const database = await openDatabase({ url: fresh.url, pgliteDir: ':memory:', maxConnections: 8 });
  const rows: Record<string, string | number>[] = [];
  try {
    await runMigrations(database);
    const db = database.db;
    const [f] = await queryRows<{ id: string }>(db, sql`insert into firm (name) values ('Bench') returning id`);
    const [l] = await queryRows<{ id: string; timezone: string }>(
      db,
      sql`insert into ledger (firm_id, provider, external_id, name, base_currency, timezone, country) values (${f!.id}, 'xero', 'tenant-risk', 'Risk', 'NZD', 'Pacific/Auckland', 'NZ') returning id, timezone`,
    );
    let t = performance.now();
    await seed(db, f!.id, l!.id);
    const seedSeconds = (performance.now() - t) / 1000;
    const deps = { db, clock: fixedClock('2026-11-20T00:00:00Z') };

    t = performance.now();
    const history = await loadHistory(db, { id: l!.id, timezone: l!.timezone });
    const readSeconds = (performance.now() - t) / 1000;
    t = performance.now();
    const full = await rescoreLedger(deps, l!.id);
    const fullSeconds = (performance.now() - t) / 1000;
    rows.push({
      phase: 'full rescoring',
      contacts: full.contacts,
      'open invoices': full.invoices,
      invoices: history.invoices.length,
      seconds: +fullSeconds.toFixed(1),
      'contacts/s': Math.round(full.contacts / fullSeconds),
      'read-only s (baseline)': +readSeconds.toFixed(1),
      'ratio to read': +(fullSeconds / readSeconds).toFixed(1),
      'seed s': +seedSeconds.toFixed(1),
    });

    const ids = (
      await queryRows<{ id: string }>(
        db,
        sql`select id from contact where ledger_id = ${l!.id} order by random() limit ${RUNS}`,
      )
    ).map((r) => r.id);
    const inc: number[] = [];
    const read: number[] = [];
    for (const id of ids) {
      let s = performance.now();
      await rescoreContacts(deps, l!.id, [id]);
      inc.push(performance.now() - s);
      s = performance.now();
      await queryRows(db, sql`select id, due_date, paid_at from invoice where contact_id = ${id}`);
      read.push(performance.now() - s);
    }
    rows.push({
      phase: 'incremental (one customer)',
      runs: RUNS,
      'p50 ms': +pct(inc, 50).toFixed(1),
      'p99 ms': +pct(inc, 99).toFixed(1),
      'read p50 ms (baseline)': +pct(read, 50).toFixed(2),
      'ratio p50 to read': +(pct(inc, 50) / pct(read, 50)).toFixed(1),
    });
    return report('risk', rows, { database: fresh.note, model: full.modelVersion });
  } finally {
    await database.close();
    await fresh.drop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await riskBench();
