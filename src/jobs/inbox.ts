import type { PgBoss } from 'pg-boss';
import type { Logger } from '../lib/logger.ts';
import type { InboxKey } from '../services/jobs.ts';
import { QUEUED_TASKS } from '../tasks/queued.ts';

const { queue, singletonKey } = QUEUED_TASKS.inbox;

/**
 * The webhook hot path's enqueue: keys are collected for `flushMs` and inserted as one statement,
 * so a burst of deliveries costs one job insert, not one per request. Losing a batch (crash
 * before the flush) loses no event: the rows are already committed and the sweep queues them.
 */
export function inboxDispatcher(boss: PgBoss, logger: Logger, flushMs = 50) {
  const pending = new Map<string, InboxKey>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = async () => {
    timer = undefined;
    if (pending.size === 0) return;
    const keys = [...pending.values()];
    pending.clear();
    try {
      await boss.insert(
        queue,
        keys.map((k) => ({ data: k, singletonKey: singletonKey(k) })),
      );
    } catch (err) {
      logger.warn('inbox jobs not queued; the sweep will', { accounts: keys.length, message: (err as Error).message });
    }
  };
  return {
    enqueue: async (key: InboxKey) => {
      pending.set(singletonKey(key), key);
      timer ??= setTimeout(() => void flush(), flushMs);
    },
    async stop() {
      clearTimeout(timer);
      await flush();
    },
  };
}
