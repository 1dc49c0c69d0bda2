import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { report } from './lib.ts';
import { load, startService } from './webhook-ack.ts';

/**
 * Webhook acknowledgement on the embedded default (PGlite on disk, in the service's process),
 * flooded past what it can store: every delivery must be answered inside the provider's own
 * deadline (Xero 5 s, Intuit 3 s), stored and 200, or 503 so the provider retries. A delivery the
 * provider gives up on is a timeout here; the goal is none, at every connection level.
 * PGlite runs each statement on the event loop, so only admission control keeps that promise.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTION_LEVELS = [64, 256, 1024];
const DEADLINE_S = { xero: 5, quickbooks: 3 } as const;

export async function webhookAckPglite() {
  const dir = mkdtempSync(join(tmpdir(), 'overdue-ack-'));
  const { child, port } = await startService(undefined, join(dir, 'pglite'));
  const rows: Record<string, string | number>[] = [];
  try {
    for (const t of ['xero', 'quickbooks'] as const) await load(port, t, { connections: 16, seconds: 2 });
    for (const t of ['xero', 'quickbooks'] as const) {
      for (const connections of CONNECTION_LEVELS) {
        const r = await load(port, t, { connections, seconds: SECONDS, timeout: DEADLINE_S[t] });
        const unavailable = r.statusCodeStats?.['503']?.count ?? 0;
        rows.push({
          endpoint: `POST /webhooks/${t}`,
          database: 'pglite (disk)',
          connections,
          'provider deadline s': DEADLINE_S[t],
          'stored (2xx) /s': Math.round(r['2xx'] / SECONDS),
          '503 (retry later)': unavailable,
          'other non-2xx': r.non2xx - unavailable,
          'timed out': r.timeouts,
          errors: r.errors - r.timeouts,
          'p50 ms': r.latency.p50,
          'p99 ms': r.latency.p99,
          'max ms': r.latency.max,
        });
      }
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
  return report('webhook-ack-pglite', rows, {
    seconds: SECONDS,
    goals: { timedOut: '0 at every level: each delivery answered (200 or 503) inside its provider deadline' },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await webhookAckPglite();
