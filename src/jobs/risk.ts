import { eq, isNull } from 'drizzle-orm';
import type { PgBoss } from 'pg-boss';
import { type Db, dbError } from '../db/client.ts';
import { ledger, riskModel } from '../db/schema/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { rescoreLedger } from '../services/risk/scoring.ts';
import { QUEUES } from './boss.ts';

type RiskJobDeps = { db: Db; clock: Clock; logger: Logger };

function enqueueRescore(boss: PgBoss, ledgerId: string) {
  return boss.send(QUEUES.rescoreLedger, { ledgerId }, { singletonKey: ledgerId });
}

export async function workRescore(boss: PgBoss, deps: RiskJobDeps) {
  return boss.work<{ ledgerId: string }>(QUEUES.rescoreLedger, { localConcurrency: 1 }, async ([job]) => {
    const r = await rescoreLedger(deps, job!.data.ledgerId);
    deps.logger.info('ledger rescored', r);
  });
}

/**
 * Full rescoring (refit and score everything) of every active ledger every `everyMs`, and at
 * start-up of the ledgers that have no model yet. Queued as singletons per ledger, so several
 * processes running this schedule rescore each ledger once.
 */
export function startRiskSchedule(boss: PgBoss, deps: RiskJobDeps, everyMs: number) {
  const queue = async (onlyUnscored: boolean) => {
    try {
      const rows = onlyUnscored
        ? await deps.db
            .select({ id: ledger.id })
            .from(ledger)
            .leftJoin(riskModel, eq(riskModel.ledgerId, ledger.id))
            .where(isNull(riskModel.ledgerId))
        : await deps.db.select({ id: ledger.id }).from(ledger).where(eq(ledger.status, 'active'));
      for (const r of rows) await enqueueRescore(boss, r.id);
    } catch (err) {
      deps.logger.error('risk rescoring scheduling failed', dbError(err));
    }
  };
  void queue(true);
  const timer = setInterval(() => void queue(false), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
