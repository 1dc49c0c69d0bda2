import type { DeliverDeps } from '../services/reminders/deliver.ts';
import { recoverStuckSending, tick } from '../services/reminders/tick.ts';
import { repeat } from './repeat.ts';

/**
 * The reminder tick on an interval: claim and send what is due, and turn reminders interrupted
 * mid-send into needs_review. Safe to run in every process (claims use SKIP LOCKED).
 *
 * The returned stop claims nothing more and waits (up to `graceMs`) for the batch being sent:
 * a shutdown must not leave reminders in `sending`, where only recovery, minutes after the
 * restart, would find them (and park them for a person, since they may have left).
 */
export function startReminderTicks(deps: DeliverDeps, everyMs: number) {
  const stop = repeat(everyMs, async (stopped) => {
    try {
      await recoverStuckSending(deps);
      while (!stopped()) {
        const r = await tick(deps);
        if (r.claimed === 0) break;
      }
    } catch (err) {
      deps.logger.error('reminder tick failed', { error: (err as Error).name });
    }
  });
  return async (graceMs = 30_000) => {
    if ((await stop(graceMs)) === 'gave up')
      deps.logger.warn('shutdown: reminder run still sending after the grace period', { graceMs });
  };
}
