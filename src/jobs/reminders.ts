import type { Db } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { changedContacts, type MirrorChangeHandler } from '../services/mirror-changes.ts';
import type { DeliverDeps } from '../services/reminders/deliver.ts';
import { replanContacts } from '../services/reminders/planning.ts';
import { recoverStuckSending, tick } from '../services/reminders/tick.ts';

/** Mirror changes (webhook or sync) replan the contacts they touch: a payment drops its reminders. */
export function replanOnChange(deps: { db: Db; clock: Clock; logger: Logger }): MirrorChangeHandler {
  return async (change) => {
    const contacts = await changedContacts(deps.db, change);
    if (contacts.length) await replanContacts(deps, contacts);
  };
}

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
