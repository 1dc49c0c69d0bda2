import { eq } from 'drizzle-orm';
import { dbError } from '../db/client.ts';
import { ledger } from '../db/schema/index.ts';
import { proposeForLedger } from '../services/handoff/cases.ts';
import { type CaseDeliveryDeps, deliverDueCases } from '../services/handoff/deliver.ts';
import { deliverOutbound } from '../services/outbound/events.ts';

/**
 * Deliveries in the background: approved cases to agencies and events to the firm's webhook
 * endpoints (both retried with backoff) every `deliveryMs`;
 * every ledger's rule runs every `rulesMs` and at start-up, opening cases that wait for approval.
 * Claims use SKIP LOCKED and one live case per customer is enforced by the database, so every
 * process can run this.
 */
export function startHandoffSchedule(deps: CaseDeliveryDeps, opts: { deliveryMs: number; rulesMs: number }) {
  let delivering = false;
  const deliver = async () => {
    if (delivering) return;
    delivering = true;
    try {
      // Batches until nothing is due (failures are rescheduled, so this ends).
      for (;;) {
        const r = await deliverDueCases(deps);
        if (r.delivered + r.failed === 0) break;
      }
      // Outbound webhooks to the firm's own integrations ride the same loop.
      while ((await deliverOutbound(deps)).claimed > 0);
    } catch (err) {
      deps.logger.error('case delivery failed', dbError(err));
    } finally {
      delivering = false;
    }
  };
  const rules = async () => {
    try {
      const rows = await deps.db.select({ id: ledger.id }).from(ledger).where(eq(ledger.status, 'active'));
      for (const r of rows) await proposeForLedger(deps, r.id);
    } catch (err) {
      deps.logger.error('hand-off rules failed', dbError(err));
    }
  };
  void rules();
  const timers = [setInterval(() => void deliver(), opts.deliveryMs), setInterval(() => void rules(), opts.rulesMs)];
  for (const t of timers) t.unref();
  return () => timers.forEach(clearInterval);
}
