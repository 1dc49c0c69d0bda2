import type { Logger } from '../lib/logger.ts';

/**
 * What changed in one ledger's mirror (mirror row ids). Webhook processing and sync report every
 * change here; reminder planning and risk scoring subscribe, so a paid invoice stops its
 * reminders and a new payment rescores its contact, whichever path brought the news.
 */
export type MirrorChange = {
  firmId: string;
  ledgerId: string;
  invoiceIds: string[];
  contactIds: string[];
  source: 'webhook' | 'sync';
};
export type MirrorChangeHandler = (change: MirrorChange) => Promise<void>;

/** One handler that calls each subscriber; one failing subscriber neither stops the others nor the caller. */
export function fanOut(handlers: MirrorChangeHandler[], logger: Logger): MirrorChangeHandler {
  return async (change) => {
    if (change.invoiceIds.length === 0 && change.contactIds.length === 0) return;
    const results = await Promise.allSettled(handlers.map((h) => h(change)));
    for (const r of results) {
      if (r.status === 'rejected') {
        const err = r.reason as Error;
        logger.error('mirror change handler failed', { ledgerId: change.ledgerId, error: err?.name, message: err?.message });
      }
    }
  };
}

export const noMirrorHandlers: MirrorChangeHandler = async () => {};
