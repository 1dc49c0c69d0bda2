import type { Db } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ConnectorResolver } from '../services/connectors.ts';
import { writeLedgerNotes } from '../services/ledger-notes.ts';
import { prefetchPayLinks } from '../services/reminders/presend.ts';

/**
 * Fetches pay links ahead and writes queued history notes on an interval, apart from the reminder
 * tick: both wait in the
 * budget's lowest lane, and a tick must never wait behind them. Safe in every process (claims
 * use SKIP LOCKED). The returned stop waits (up to `graceMs`) for the notes being written.
 */
export function startNoteWriter(
  deps: { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver },
  everyMs: number,
) {
  let running: Promise<void> | undefined;
  let stopped = false;
  const run = async () => {
    try {
      while (!stopped) {
        // Pay links for tomorrow's reminders first, then notes: both wait in the lowest lane.
        const links = await prefetchPayLinks(deps, { limit: 50 });
        const r = await writeLedgerNotes(deps, { limit: 50 });
        if (links + r.written + r.failed + r.deferred === 0) break;
      }
    } catch (err) {
      deps.logger.error('ledger notes run failed', { error: (err as Error).name });
    }
  };
  const timer = setInterval(() => {
    if (running || stopped) return;
    running = run().finally(() => {
      running = undefined;
    });
  }, everyMs);
  timer.unref();
  return async (graceMs = 30_000) => {
    stopped = true;
    clearInterval(timer);
    if (!running) return;
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([running, new Promise((r) => (timeout = setTimeout(r, graceMs)))]);
    clearTimeout(timeout);
  };
}
