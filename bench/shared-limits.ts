import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { child, freshBenchDatabase, report } from './lib.ts';

/**
 * Two service processes backfilling ledgers of one Xero organisation at once (two firms connected
 * to the same organisation), on real time, against a fake that enforces Xero's limits (5 calls in
 * flight, 60 in any minute, per organisation) and measures the peaks it saw. With the budget in
 * Postgres the two stay inside both limits together; with each process on its own limiter
 * (`BENCH_SHARED_CONTROL=1` runs that too) they exceed them and Xero refuses calls.
 * Postgres only: the embedded database serves one process. Sized for about three minutes of
 * calls at 60 a minute: BENCH_SHARED_INVOICES (default 8,000) and a tenth as many contacts, in
 * pages of 100.
 */
const INVOICES = Number(process.env.BENCH_SHARED_INVOICES ?? 8_000);
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

type Limits = {
  refused: { concurrent: number; minute: number; day: number };
  peak: { inFlight: number; perMinute: number };
};

async function run(shared: boolean) {
  const db = await freshBenchDatabase();
  if (!db.url) throw new Error(`the shared-limits benchmark needs Postgres: ${db.note}`);
  const fake = child(here('./backfill/fake-server.ts'), ['xero', String(INVOICES), String(INVOICES / 10)], {
    BENCH_ENFORCE_LIMITS: '1',
  });
  try {
    const port = await fake.line('READY ');
    const database = await openDatabase({ url: db.url, pgliteDir: ':memory:' });
    await runMigrations(database);
    await database.close();
    const started = performance.now();
    const env = { DATABASE_URL: db.url, BENCH_FAKE_PORT: port, BENCH_SHARED: shared ? '1' : '0' };
    const procs = [0, 1].map(() => child(here('./shared-limits/run-backfill.ts'), [], env));
    const results = await Promise.all(
      procs.map(async (p) => JSON.parse(await p.line('RESULT ')) as { invoices: number; wallMs: number }),
    );
    const wallMs = performance.now() - started;
    const limits = (await (await fetch(`http://127.0.0.1:${port}/__bench/limits`)).json()) as Limits;
    const calls = ((await (await fetch(`http://127.0.0.1:${port}/__bench/calls`)).json()) as { apiCalls: number })
      .apiCalls;
    return { shared, results, wallMs, limits, calls };
  } finally {
    fake.proc.kill();
    await db.drop();
  }
}

export async function sharedLimitsBench() {
  const runs = [await run(true)];
  if (process.env.BENCH_SHARED_CONTROL === '1') runs.push(await run(false));
  const rows = runs.map((r) => ({
    budget: r.shared ? 'shared in Postgres' : 'per process (control)',
    processes: 2,
    'invoices each': r.results.map((x) => x.invoices).join(' / '),
    'API calls': r.calls,
    'wall s': Number((r.wallMs / 1000).toFixed(1)),
    'peak in flight': r.limits.peak.inFlight,
    'peak per minute': r.limits.peak.perMinute,
    'refused (429)': r.limits.refused.concurrent + r.limits.refused.minute + r.limits.refused.day,
  }));
  return report('shared-limits', rows, {
    method:
      'two service processes, each backfilling a ledger of the same Xero organisation (pages of 100) on real time; the fake enforces and measures Xero limits per organisation',
    goals: { inFlight: '≤ 5 at once', perMinute: '≤ 60 in any 60 s', refused: '0' },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await sharedLimitsBench();
