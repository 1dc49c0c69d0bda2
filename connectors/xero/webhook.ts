import { z } from 'zod';
import { decodeJson, derivedDedupeKey, firstIssue, type ParsedDelivery, parseEach } from '../../webhooks/events.ts';

/** Xero's batch (xero-webhooks.yaml): ids only, no per-event id, a sequence range and entropy. */
const XeroEvent = z.looseObject({
  resourceUrl: z.string().optional(),
  resourceId: z.string().min(1),
  eventDateUtc: z.string().min(1),
  eventType: z.string().min(1),
  eventCategory: z.string().min(1),
  tenantId: z.string().min(1),
  tenantType: z.string().optional(),
});
const XeroBatch = z.looseObject({
  events: z.array(z.unknown()),
  firstEventSequence: z.number().optional(),
  lastEventSequence: z.number().optional(),
  entropy: z.string().optional(),
});

/** Xero writes eventDateUtc without a zone ("2024-06-21T01:15:39.902"): it is UTC. */
function xeroDate(s: string): Date | null {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s}Z`);
  return Number.isNaN(d.getTime()) ? null : d;
}

/**
 * Parses a verified Xero body. An empty `events` list is the intent-to-receive check. Xero has
 * no event id, so the dedupe key is derived from tenant, category, resource, time and type.
 */
export function parseXeroDelivery(body: Uint8Array): ParsedDelivery {
  const json = decodeJson(body);
  if (!json.ok) return { kind: 'malformed', reason: json.reason };
  const batch = XeroBatch.safeParse(json.value);
  if (!batch.success) return { kind: 'malformed', reason: firstIssue(batch.error.issues) };
  return parseEach(batch.data.events, XeroEvent, (e) => ({
    dedupeKey: derivedDedupeKey('xero', [e.tenantId, e.eventCategory, e.resourceId, e.eventDateUtc, e.eventType]),
    accountRef: e.tenantId,
    entity: e.eventCategory.toLowerCase(),
    entityId: e.resourceId,
    operation: e.eventType.toLowerCase(),
    occurredAt: xeroDate(e.eventDateUtc),
    payload: e,
  }));
}
