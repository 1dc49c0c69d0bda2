import { createHash } from 'node:crypto';
import type { Approval, invoice } from '../../db/schema/index.ts';

type Content = {
  to: string | null;
  template: string;
  subject: string;
  invoices: Pick<typeof invoice.$inferSelect, 'number' | 'externalId' | 'currency' | 'amountDue'>[];
};

/**
 * The parts of a message an approval binds: who it goes to, its tone, its subject, and each
 * invoice with its amount. The day count in the body moves with the calendar and is not bound:
 * an approval given in the evening holds for the next morning's send.
 */
export function approvalOf(c: Content, at: Date): Approval {
  const items = c.invoices.map((i) => `${i.number ?? i.externalId} ${i.currency} ${i.amountDue}`).sort();
  const bound = { to: c.to, template: c.template, subject: c.subject, items };
  return {
    ...bound,
    digest: createHash('sha256').update(JSON.stringify(bound)).digest('hex'),
    approvedAt: at.toISOString(),
  };
}

/** What differs between the approved message and the one about to go, in words for the queue. */
export function changedSince(approved: Approval | null, now: Approval): string | null {
  if (!approved) return 'not approved yet';
  if (approved.digest === now.digest) return null;
  const what = [
    approved.to !== now.to ? `recipient ${approved.to ?? 'none'} → ${now.to ?? 'none'}` : null,
    approved.template !== now.template ? `tone ${approved.template} → ${now.template}` : null,
    approved.items.join() !== now.items.join()
      ? `invoices or amounts ${approved.items.join(', ')} → ${now.items.join(', ')}`
      : null,
    approved.subject !== now.subject ? 'subject' : null,
  ].filter(Boolean);
  return `changed since approval: ${what.join('; ')}`.slice(0, 500);
}
