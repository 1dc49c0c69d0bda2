import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { toSuiteLog } from './log-scan.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export type ServiceProcess = {
  child: ChildProcess;
  port: number;
  lines: string[];
  startedMs: number;
  waitForLog(msg: string, ms?: number): Promise<Record<string, unknown>>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
};

/** Starts `src/node.ts` as `npm start` would, with the given environment; resolves when it listens. */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  const t0 = Date.now();
  // As `npm start` runs it: one process with tsx's loader, so signals reach the service itself.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/node.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { msg: string; resolve: (r: Record<string, unknown>) => void }[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    toSuiteLog(line);
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    for (const w of waiters.filter((x) => x.msg === rec.msg)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(rec);
    }
  };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  child.stderr!.on('data', (d: Buffer) => lines.push(`stderr: ${d.toString()}`));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  const waitForLog = (msg: string, ms = 30_000) => {
    const seen = lines
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return null;
        }
      })
      .find((r) => r?.msg === msg);
    if (seen) return Promise.resolve(seen);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "${msg}" log within ${ms} ms:\n${lines.join('\n')}`)), ms);
      waiters.push({
        msg,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
      });
      void exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`process exited before "${msg}":\n${lines.join('\n')}`));
      });
    });
  };
  const listening = await waitForLog('listening');
  return {
    child,
    port: Number(listening.port),
    lines,
    startedMs: Date.now() - t0,
    waitForLog,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
  };
}
