import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { child, freshBenchDatabase, report } from './lib.ts';

/**
 * Backfill of a 100,000-invoice, 10,000-contact ledger from each provider, into Postgres and into
 * PGlite (on disk, as the embedded default runs), and the same at 20,000 invoices and 2,000
 * contacts: peak RSS must stay flat as the ledger grows. The ledger has a real one's shape:
 * three years of invoices, most paid, each customer with its own paying habit. The provider is a
 * local HTTP fake in its own process (bench/backfill/fake-server.ts, real page sizes: Xero
 * 1,000, QuickBooks 1,000);
 * each backfill runs in a fresh process (bench/backfill/run-one.ts). Baseline: a plain COPY of
 * the same rows into a table of the same shape (Postgres). Rate limits run on virtual time and
 * are reported apart from the work.
 */
const SIZES = (process.env.BENCH_BACKFILL_SIZES ?? '20000,100000').split(',').map(Number);
const PROVIDERS = ['xero', 'quickbooks'] as const;
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));

type RunResult = {
  database: string;
  invoices: number;
  contacts: number;
  invoicePages: number;
  apiCalls: number;
  wallMs: number;
  fetchMs: number;
  limitedMs: number;
  rssBeforeMb: number;
  peakRssMb: number;
  copy?: { rows: number; ms: number };
};

async function runOne(
  provider: string,
  port: string,
  database: 'postgres' | 'pglite',
  plan = false,
): Promise<RunResult> {
  const db = database === 'postgres' ? await freshBenchDatabase() : undefined;
  if (db && !db.url) throw new Error(db.note);
  const dir = mkdtempSync(join(tmpdir(), 'overdue-bench-'));
  try {
    const env = {
      BENCH_PROVIDER: provider,
      BENCH_FAKE_PORT: port,
      DATABASE_URL: db?.url,
      BENCH_PGLITE_DIR: join(dir, 'pglite'),
      BENCH_PLAN: plan ? '1' : '0',
    };
    if (!db) delete (env as Record<string, string | undefined>).DATABASE_URL;
    const run = child(here('./backfill/run-one.ts'), [], env);
    const result = JSON.parse(await run.line('RESULT ')) as RunResult;
    await new Promise((r) => (run.proc.exitCode === null ? run.proc.once('exit', r) : r(null)));
    return result;
  } finally {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (n: number, d = 1) => Number(n.toFixed(d));

export async function backfillBenchmarks() {
  const rows: Record<string, string | number>[] = [];
  const peaks = new Map<string, number>();
  for (const provider of PROVIDERS) {
    for (const invoices of SIZES) {
      const contacts = provider === 'xero' ? invoices / 10 : 0;
      const fake = child(here('./backfill/fake-server.ts'), [provider, String(invoices), String(contacts)], {});
      const port = await fake.line('READY ');
      try {
        for (const database of ['postgres', 'pglite'] as const) {
          // Xero's contacts own the invoices: the production job (scoring and planning) is measured too.
          const bare = await runOne(provider, port, database);
          const planned = contacts > 0 ? await runOne(provider, port, database, true) : undefined;
          for (const r of planned ? [bare, planned] : [bare]) {
            const writeMs = r.wallMs - r.fetchMs;
            const key = `${provider}/${database}/${r === planned ? 'plan' : 'bare'}`;
            if (invoices === Math.min(...SIZES)) peaks.set(key, r.peakRssMb);
            const smallest = peaks.get(key);
            rows.push({
              provider,
              database,
              'scoring and planning': r === planned ? 'as the sync job runs' : 'none',
              'vs without': r === planned ? `${round(planned.wallMs / bare.wallMs, 2)}x` : '-',
              invoices: r.invoices,
              contacts: r.contacts,
              'api calls': r.apiCalls,
              'wall s': round(r.wallMs / 1000),
              'invoices/s': Math.round(r.invoices / (r.wallMs / 1000)),
              'write-only invoices/s': Math.round(r.invoices / (writeMs / 1000)),
              'COPY rows/s (baseline)': r.copy ? Math.round(r.copy.rows / (r.copy.ms / 1000)) : '-',
              'write vs COPY': r.copy
                ? `${Math.round((100 * r.invoices) / (writeMs / 1000) / (r.copy.rows / (r.copy.ms / 1000)))}%`
                : '-',
              'RSS before MB': Math.round(r.rssBeforeMb),
              'peak RSS MB': Math.round(r.peakRssMb),
              'backfill adds MB': Math.round(r.peakRssMb - r.rssBeforeMb),
              [`peak RSS vs ${Math.min(...SIZES) / 1000}k`]: smallest ? `${round(r.peakRssMb / smallest, 2)}x` : '-',
              'rate-limit wait min': round(r.limitedMs / 60_000, 2),
              'end-to-end min': round((r.wallMs + r.limitedMs) / 60_000, 2),
            });
          }
        }
      } finally {
        fake.proc.kill('SIGTERM');
      }
    }
  }
  return report('backfill', rows, {
    method:
      'provider fake over HTTP on loopback in its own process; each backfill in a fresh process; PGlite on disk; rate limits on virtual time',
    goals: {
      peakRss:
        'flat as the ledger grows (100k vs 20k); what a 100k backfill adds to the process under 600 MB on PGlite (peak counted from the start of the backfill: creating an empty PGlite directory, once per install, peaks higher)',
      planning: 'the production job (scoring and planning once per run) within 1.2x of the bare backfill',
      baseline: 'plain COPY of the same rows, same table shape',
    },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await backfillBenchmarks();
