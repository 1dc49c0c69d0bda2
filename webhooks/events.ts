import { createHash } from 'node:crypto';
import type { Resource } from '../connectors/types.ts';

/** One provider event, normalised: what the inbox stores and the processing job acts on. */
export type InboxEvent = {
  dedupeKey: string;
  /** Xero tenantId or QuickBooks realmId. */
  accountRef: string;
  /** Lower-case provider entity name: invoice, contact, customer, payment, creditmemo, … */
  entity: string;
  entityId: string;
  /** create, update, delete, merge, void, emailed, … (lower case, as the provider names it). */
  operation: string;
  occurredAt: Date | null;
  payload: Record<string, unknown>;
};

/**
 * The dedupe key of an event that carries no id of its own (Xero; Intuit's legacy format): the
 * provider's prefix and 128 bits of the SHA-256 of the prefix and the event's fields, joined with
 * ':'. Every receipt inserts its key into a unique index, and Xero's fields joined ran to 120
 * bytes: its inserts cost Postgres about 4 µs a row more than a CloudEvents id once that index
 * outgrew memory. drizzle/0017 rewrote keys stored before in the same way.
 */
export function derivedDedupeKey(prefix: 'xero' | 'qbo', fields: string[]): string {
  return `${prefix}:${createHash('sha256')
    .update([prefix, ...fields].join(':'))
    .digest('base64url')
    .slice(0, 22)}`;
}

/** What a verified body turned out to hold. */
export type ParsedDelivery = { kind: 'events'; events: InboxEvent[] } | { kind: 'malformed'; reason: string };

/** Which mirror resource an event's entity refreshes; null for entities overdue does not mirror. */
export function resourceFor(entity: string): Resource | null {
  switch (entity) {
    case 'invoice':
      return 'invoices';
    case 'contact':
    case 'customer':
      return 'contacts';
    case 'payment':
      return 'payments';
    case 'creditnote':
    case 'creditmemo':
      return 'credit_notes';
    default:
      return null;
  }
}

// fatal: a body that is not UTF-8 is malformed, not silently repaired. One decoder serves every
// call: a whole-buffer decode (no `stream`) keeps no state between calls.
const utf8 = new TextDecoder('utf-8', { fatal: true });

export function decodeJson(body: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    const text = utf8.decode(body);
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, reason: `body is not JSON: ${(err as Error).message.slice(0, 200)}` };
  }
}

/** First zod issue as one readable line (kept with the quarantined delivery). */
export function firstIssue(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  const i = issues[0];
  return i ? `${i.path.map(String).join('.') || '(root)'}: ${i.message}` : 'invalid payload';
}

export const parseDate = (s: string | undefined): Date | null => {
  if (!s) return null;
  const d = new Date(s);
  return Number.isNaN(d.getTime()) ? null : d;
};
