/**
 * The states records move through, as values the API validates against and the database's enum
 * types are made from (src/db/schema), so the two cannot drift apart.
 */
export const REMINDER_STATUSES = [
  'scheduled',
  'awaiting_approval',
  'sending',
  'sent',
  'skipped',
  'cancelled',
  'failed',
  'needs_review',
] as const;

export const CASE_STATUSES = [
  'pending_approval',
  'sent',
  'acknowledged',
  'collecting',
  'recovered',
  'closed',
  'recalled',
] as const;

export const WEBHOOK_STATUSES = [
  'received',
  'processing',
  'processed',
  'ignored',
  'quarantined',
  'failed',
  'dead',
] as const;
