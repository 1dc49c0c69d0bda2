import type { Db } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ConnectorResolver } from '../services/connectors.ts';
import { writeLedgerNotes } from '../services/ledger-notes.ts';
import { prefetchPayLinks } from '../services/reminders/presend.ts';
import { repeat } from './repeat.ts';

/**
 * Fetches pay links ahead and writes queued history notes on an interval, apart from the reminder
 * tick: both wait in the budget's lowest lane, and a tick must never wait behind them. Safe in
 * every process (claims use SKIP LOCKED). The returned stop waits (up to `graceMs`) for the run
 * in progress.
 */
export function startNoteWriter(
  deps: { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver },
  everyMs: number,
) {
  return repeat(everyMs, async (stopped) => {
    try {
      while (!stopped()) {
        // Pay links for tomorrow's reminders first, then notes.
        const links = await prefetchPayLinks(deps, { limit: 50 });
        const r = await writeLedgerNotes(deps, { limit: 50 });
        if (links + r.written + r.failed + r.deferred === 0) break;
      }
    } catch (err) {
      deps.logger.error('ledger notes run failed', { error: (err as Error).name });
    }
  });
}
