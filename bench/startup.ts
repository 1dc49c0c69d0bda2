import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from '../test/support/process.ts';
import { freshBenchDatabase, report } from './lib.ts';

/**
 * Start-up as a user meets it (`npm start`: node with tsx, embedded defaults): milliseconds from
 * spawning the process to `/readyz` 200 and to the demo ledger's first sync, median and worst of
 * BENCH_STARTUP_RUNS (default 3), for
 * - PGlite in a new data directory (the first `npm start` on a fresh machine: initdb, every
 *   migration, demo ledger created);
 * - PGlite restarted on that directory (every later start);
 * - a new, empty Postgres database (when reachable).
 * Baseline in the same run: the bare process (node + tsx loading an empty module), the floor
 * any start pays. Goal (#2): ready within 10 s on a fresh machine.
 */
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function bareProcessMs(): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', '0'], { stdio: 'ignore' });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`bare process exited ${code}`))));
  });
  return performance.now() - t0;
}

/** One start: spawn → /readyz 200 → "ledger synced", then SIGTERM. */
async function startOnce(env: Record<string, string>) {
  const t0 = performance.now();
  const svc = await startService(env);
  try {
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${svc.port}/readyz`).catch(() => null);
      if (res?.status === 200) break;
      if (performance.now() - t0 > 60_000) throw new Error('not ready within 60 s');
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyMs = performance.now() - t0;
    await svc.waitForLog('ledger synced', 60_000);
    return { readyMs, syncedMs: performance.now() - t0 };
  } finally {
    await svc.stop('SIGTERM');
  }
}

function row(scenario: string, runs: { readyMs: number; syncedMs?: number }[]) {
  const ready = runs.map((r) => r.readyMs);
  const synced = runs.flatMap((r) => (r.syncedMs === undefined ? [] : [r.syncedMs]));
  return {
    scenario,
    runs: runs.length,
    readyMedianMs: Math.round(median(ready)),
    readyMaxMs: Math.round(Math.max(...ready)),
    syncedMedianMs: synced.length ? Math.round(median(synced)) : '-',
  };
}

export async function startupBench() {
  const bare: number[] = [];
  const fresh: { readyMs: number; syncedMs: number }[] = [];
  const restart: { readyMs: number; syncedMs: number }[] = [];
  const postgres: { readyMs: number; syncedMs: number }[] = [];
  let pgNote = 'Postgres not reachable';
  for (let i = 0; i < RUNS; i++) {
    bare.push(await bareProcessMs());
    const dataDir = mkdtempSync(join(tmpdir(), 'overdue-bench-start-'));
    try {
      fresh.push(await startOnce({ DATA_DIR: dataDir }));
      restart.push(await startOnce({ DATA_DIR: dataDir }));
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
    const db = await freshBenchDatabase();
    if (db.url) {
      pgNote = 'Postgres: a new empty database per run';
      const pgDir = mkdtempSync(join(tmpdir(), 'overdue-bench-start-'));
      try {
        postgres.push(await startOnce({ DATA_DIR: pgDir, DATABASE_URL: db.url, DEMO_LEDGER: 'true' }));
      } finally {
        rmSync(pgDir, { recursive: true, force: true });
        await db.drop();
      }
    }
  }
  const rows = [
    row(
      'bare process (node + tsx, empty module)',
      bare.map((readyMs) => ({ readyMs })),
    ),
    row('PGlite, new data directory (first start)', fresh),
    row('PGlite, existing data directory (restart)', restart),
    ...(postgres.length ? [row('Postgres, new database', postgres)] : []),
  ];
  const firstStartMs = median(fresh.map((r) => r.readyMs));
  return report('startup', rows, {
    note: pgNote,
    goalReadyMs: 10_000,
    firstStartReadyMs: Math.round(firstStartMs),
    firstStartVsBare: Number((firstStartMs / median(bare)).toFixed(1)),
    restartVsFirstStart: Number((median(restart.map((r) => r.readyMs)) / firstStartMs).toFixed(2)),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await startupBench();
