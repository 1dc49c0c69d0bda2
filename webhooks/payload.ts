import { moduleOf } from '../connectors/registry.ts';

type StoredEvent = { provider: string; payload: Record<string, unknown> | null; rawBody?: Uint8Array | null };

/**
 * An inbox event's payload: stored, or (for the event of a one-event delivery) read again from
 * the bytes it carries, with the parser that read them on receipt.
 */
export function eventPayload(row: StoredEvent): Record<string, unknown> | null {
  if (row.payload) return row.payload;
  if (!row.rawBody) return null;
  const reader = moduleOf(row.provider)?.webhook;
  if (!reader) return null;
  const parsed = reader.parse(row.rawBody);
  return parsed.kind === 'events' && parsed.events.length === 1 ? parsed.events[0]!.payload : null;
}
