import type { ExternalProvider } from '../../connectors/types.ts';
/** Which inbox to drain: one provider account (Xero tenant or QuickBooks realm). */
export type InboxKey = { provider: ExternalProvider; accountRef: string };

/** What services may ask of the job engine; pg-boss implements it (src/jobs), tests record calls. */
export type JobQueue = {
  enqueueSync(ledgerId: string): Promise<void>;
  /** Process the inbox of one provider account soon (at most one queued and one running per account). */
  enqueueInbox(key: InboxKey): Promise<void>;
  /** Refit one ledger's risk model and rescore it (at most one queued and one running per ledger). */
  enqueueRescore(ledgerId: string): Promise<void>;
};
