import type { DeliverDeps } from '../services/reminders/deliver.ts';
import { recoverStuckSending, tick } from '../services/reminders/tick.ts';

/**
 * The reminder tick on an interval: claim and send what is due, and turn reminders interrupted
 * mid-send into needs_review. Safe to run in every process (claims use SKIP LOCKED).
 */
export function startReminderTicks(deps: DeliverDeps, everyMs: number) {
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await recoverStuckSending(deps);
      for (;;) {
        const r = await tick(deps);
        if (r.claimed === 0) break;
      }
    } catch (err) {
      deps.logger.error('reminder tick failed', { error: (err as Error).name });
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void run(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
