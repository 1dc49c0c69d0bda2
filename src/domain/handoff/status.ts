import type { CASE_STATUSES } from '../statuses.ts';

/**
 * The life of a collection case. A case waits for approval, is sent to the agency, which
 * acknowledges it and starts collecting, and ends recovered or closed; the business can recall it
 * at any point before it ends. Ended cases never move again.
 */
export type CaseStatus = (typeof CASE_STATUSES)[number];

const NEXT: Record<CaseStatus, readonly CaseStatus[]> = {
  pending_approval: ['sent', 'closed'],
  sent: ['acknowledged', 'collecting', 'recovered', 'closed', 'recalled'],
  acknowledged: ['collecting', 'recovered', 'closed', 'recalled'],
  collecting: ['recovered', 'closed', 'recalled'],
  recovered: [],
  closed: [],
  recalled: [],
};

/** Statuses the agency may report (by signed callback) or a user may record on its behalf. */
export const AGENCY_STATUSES = ['acknowledged', 'collecting', 'recovered', 'closed'] as const;
export type AgencyStatus = (typeof AGENCY_STATUSES)[number];

/** Cases that hold their invoices: no reminders, no second case for the same invoices. */
export const ACTIVE_STATUSES: readonly CaseStatus[] = ['pending_approval', 'sent', 'acknowledged', 'collecting'];

export const canMove = (from: CaseStatus, to: CaseStatus) => NEXT[from].includes(to);
export const isEnded = (s: CaseStatus) => NEXT[s].length === 0;
/** A status the agency repeats (a retried callback) is not an error, just nothing new. */

/**
 * Where a case stands as people read it. An approved case keeps `pending_approval` until the
 * agency has it: it is being sent (delivery is retried with backoff), or, once the retries are
 * spent, waits for a person to resend it. Neither is waiting for anyone's approval.
 */
export const CASE_STAGES = [
  'awaiting_approval',
  'approved',
  'undelivered',
  'sent',
  'acknowledged',
  'collecting',
  'recovered',
  'closed',
  'recalled',
] as const;
export type CaseStage = (typeof CASE_STAGES)[number];

export function caseStage(c: { status: CaseStatus; approvedAt: unknown; nextAttemptAt: unknown }): CaseStage {
  if (c.status !== 'pending_approval') return c.status;
  if (!c.approvedAt) return 'awaiting_approval';
  return c.nextAttemptAt ? 'approved' : 'undelivered';
}

export const STAGE_WORDS: Record<CaseStage, string> = {
  awaiting_approval: 'awaiting approval',
  approved: 'approved, being sent to the agency',
  undelivered: 'approved, but the agency could not be reached: resend it',
  sent: 'sent to the agency',
  acknowledged: 'acknowledged by the agency',
  collecting: 'the agency is collecting',
  recovered: 'recovered',
  closed: 'closed',
  recalled: 'recalled',
};
