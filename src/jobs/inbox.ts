import type { PgBoss } from 'pg-boss';
import type { Logger } from '../lib/logger.ts';
import { drainInbox, type InboxDeps } from '../services/inbox.ts';
import type { InboxKey } from '../services/jobs.ts';
import { QUEUES } from './boss.ts';

export function enqueueInbox(boss: PgBoss, key: InboxKey) {
  return boss.send(QUEUES.processInbox, key, { singletonKey: singletonKey(key) });
}

const singletonKey = (key: InboxKey) => `${key.provider}:${key.accountRef}`;

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
        QUEUES.processInbox,
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

/** Drains one account's inbox per job; what is left after the job's time budget queues the next one. */
export async function workInbox(boss: PgBoss, deps: InboxDeps, opts: { receiptSaturated?: () => boolean } = {}) {
  return boss.work<InboxKey>(QUEUES.processInbox, { localConcurrency: 4 }, async ([job]) => {
    const key = job!.data;
    const run = await drainInbox(deps, key, opts);
    if (run.more) await enqueueInbox(boss, key);
  });
}
