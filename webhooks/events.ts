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
export function derivedDedupeKey(prefix: string, fields: string[]): string {
  return `${prefix}:${createHash('sha256')
    .update([prefix, ...fields].join(':'))
    .digest('base64url')
    .slice(0, 22)}`;
}

/**
 * What a verified body turned out to hold. `rejected`: why some of its events made no sense; the
 * others are stored and processed, the body (all of it) is kept with the reason.
 */
export type ParsedDelivery =
  | { kind: 'events'; events: InboxEvent[]; rejected?: string }
  | { kind: 'malformed'; reason: string };

type Schema<T> = {
  safeParse(
    v: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
};

/**
 * Each event of a batch validated on its own (Intuit sends up to 100 in one body): one that makes
 * no sense is rejected with its position and reason, and does not take the others with it. A
 * batch with none valid is malformed.
 */
export function parseEach<T>(items: unknown[], schema: Schema<T>, map: (e: T) => InboxEvent): ParsedDelivery {
  const events: InboxEvent[] = [];
  const reasons: string[] = [];
  items.forEach((item, i) => {
    const r = schema.safeParse(item);
    if (r.success) events.push(map(r.data));
    else reasons.push(`event ${i}: ${firstIssue(r.error.issues)}`);
  });
  if (reasons.length === 0) return { kind: 'events', events };
  if (events.length === 0 && items.length > 0) return { kind: 'malformed', reason: reasons.join('; ').slice(0, 2000) };
  return {
    kind: 'events',
    events,
    rejected: `${reasons.length} of ${items.length} events rejected: ${reasons.join('; ')}`.slice(0, 2000),
  };
}

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
