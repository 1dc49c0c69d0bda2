import { eq } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/client.ts';
import { ledger } from '../db/schema/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { syncFailureIsFinal } from '../services/background.ts';
import type { ConnectorResolver } from '../services/connectors.ts';
import type { MirrorChangeHandler } from '../services/mirror-changes.ts';
import { syncLedger } from '../services/sync.ts';
import { QUEUES } from './boss.ts';

export type SyncJob = { ledgerId: string };

export function enqueueSync(boss: PgBoss, ledgerId: string) {
  return boss.send(QUEUES.syncLedger, { ledgerId } satisfies SyncJob, { singletonKey: ledgerId });
}

/** Runs queued ledger syncs; a failure is retried by pg-boss with backoff and resumes from its cursor. */
export async function workSyncLedger(
  boss: PgBoss,
  deps: { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver; onChange: MirrorChangeHandler },
) {
  return boss.work<SyncJob>(QUEUES.syncLedger, { localConcurrency: 2 }, async ([job]) => {
    const [row] = await deps.db.select().from(ledger).where(eq(ledger.id, job!.data.ledgerId));
    if (!row) return; // ledger deleted since the job was queued: nothing to do
    try {
      const connector = await deps.resolve(row);
      await syncLedger(
        {
          ctx: {
            db: deps.db,
            firmId: row.firmId,
            actor: { type: 'system', name: 'sync' },
            logger: deps.logger,
            clock: deps.clock,
          },
          input: { ledgerId: row.id },
        },
        connector,
        deps.onChange,
      );
    } catch (err) {
      const final = syncFailureIsFinal(err);
      deps.logger.warn('ledger sync failed', { ledgerId: row.id, code: (err as { code?: string }).code, final });
      if (!final) throw err;
    }
  });
}
