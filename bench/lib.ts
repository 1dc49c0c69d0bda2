import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

/** Writes bench/results/<name>.json and prints a small table. */
export function report(name: string, rows: Record<string, string | number>[], extra: Record<string, unknown> = {}) {
  mkdirSync(RESULTS, { recursive: true });
  const result = { name, at: new Date().toISOString(), node: process.version, rows, ...extra };
  writeFileSync(`${RESULTS}${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n== ${name}`);
  console.table(rows);
  return result;
}

/**
 * A fresh, empty Postgres database for one benchmark run (dropped after), on BENCH_DATABASE_URL,
 * DATABASE_URL or the local server. No url when Postgres is unreachable: the caller runs on PGlite.
 */
export async function freshBenchDatabase(): Promise<{ url?: string; note: string; drop(): Promise<void> }> {
  const base = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const name = `overdue_bench_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = postgres(base, { max: 1, onnotice: () => {}, connect_timeout: 3 });
  try {
    await admin.unsafe(`create database "${name}"`);
  } catch (err) {
    return { note: `Postgres unreachable (${(err as Error).message}); ran on embedded PGlite`, drop: async () => {} };
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    note: 'Postgres',
    drop: async () => {
      const a = postgres(base, { max: 1, onnotice: () => {} });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}

/**
 * CPU seconds a process has used so far (Linux /proc); 0 where that is not readable. With
 * `withReaped`, also what its children that have exited and been waited for used (cutime, cstime).
 */
export function processCpuSeconds(pid: number, opts: { withReaped?: boolean } = {}): number {
  try {
    // Fields after the command name: utime, stime, cutime, cstime are the 12th to 15th, in clock ticks (100/s).
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    const own = Number(fields[11]) + Number(fields[12]);
    return (own + (opts.withReaped ? Number(fields[13]) + Number(fields[14]) : 0)) / 100;
  } catch {
    return 0;
  }
}

/**
 * CPU seconds used so far by the local Postgres server: every live process named postgres, plus
 * what backends that have exited used (the postmaster reaps them), so a connection closing during
 * a run does not take its CPU out of the total.
 */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, 'utf8').trim() === 'postgres')
        total += processCpuSeconds(Number(d), { withReaped: true });
    } catch {
      // The process ended between listing and reading.
    }
  }
  return total;
}

/** A benchmark helper in its own process (tsx), with a way to wait for a line it prints. */
export function child(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): { proc: ChildProcess; line: (prefix: string) => Promise<string> } {
  const proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      const check = () => {
        const hit = out.split('\n').find((l) => l.startsWith(prefix));
        if (hit) resolve(hit.slice(prefix.length).trim());
      };
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        check();
      });
      proc.once('exit', (code) => reject(new Error(`${script} exited with ${code} before printing ${prefix}`)));
    });
  return { proc, line };
}
