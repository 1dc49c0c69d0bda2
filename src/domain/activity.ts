/**
 * One audited change as a line of a ledger's activity feed: what happened, to which invoice or
 * customer, in words a bookkeeper reads at a glance (a dispute with its reason, a promise with
 * its date, a pause with its end). Actions without words of their own keep their name.
 */
export type AuditEntry = {
  action: string;
  data: unknown;
  invoiceNumber?: string | null;
  contactName?: string | null;
};

type Fields = Record<string, unknown>;
const has = (d: Fields, k: string) => Object.hasOwn(d, k);

function invoiceLines(d: Fields, inv: string): string[] {
  const out: string[] = [];
  if (has(d, 'dispute')) {
    const reason = (d.dispute as { reason?: string } | null)?.reason;
    out.push(reason ? `${inv} disputed: ${reason}` : `Dispute on ${inv} resolved; reminders resume`);
  }
  if (has(d, 'promiseToPayUntil'))
    out.push(d.promiseToPayUntil ? `Promise to pay ${inv} by ${d.promiseToPayUntil}` : `Promise on ${inv} cleared`);
  if (has(d, 'paymentPlan')) {
    const n = Array.isArray(d.paymentPlan) ? d.paymentPlan.length : 0;
    out.push(
      n ? `Payment plan of ${n} instalment${n === 1 ? '' : 's'} agreed for ${inv}` : `Payment plan on ${inv} removed`,
    );
  }
  if (has(d, 'excluded')) out.push(d.excluded ? `${inv} excluded from chasing` : `${inv} back in chasing`);
  return out;
}

function contactLines(d: Fields, who: string): string[] {
  const out: string[] = [];
  if (has(d, 'pausedThrough')) out.push(`Reminders to ${who} paused through ${d.pausedThrough}`);
  else if (has(d, 'pausedUntil'))
    out.push(
      d.pausedUntil
        ? `Reminders to ${who} paused until ${String(d.pausedUntil).slice(0, 16).replace('T', ' ')} UTC`
        : `Reminders to ${who} resumed`,
    );
  if (has(d, 'excluded')) out.push(d.excluded ? `${who} excluded from chasing` : `${who} back in chasing`);
  if (has(d, 'optedOut')) out.push(d.optedOut ? `${who} opted out of reminders` : `${who} opted back in to reminders`);
  if (has(d, 'policyId'))
    out.push(d.policyId ? `${who} moved to another cadence` : `${who} back on the default cadence`);
  return out;
}

export function activityText(e: AuditEntry): string {
  const d = (e.data && typeof e.data === 'object' ? e.data : {}) as Fields;
  const lines =
    e.action === 'invoice.collection'
      ? invoiceLines(d, `Invoice ${e.invoiceNumber ?? '(no number)'}`)
      : e.action === 'contact.collection'
        ? contactLines(d, e.contactName ?? 'a customer')
        : [];
  return lines.length ? lines.join('; ') : e.action.replace(/[._]/g, ' ');
}
