import { z } from 'zod';
import {
  decodeJson,
  derivedDedupeKey,
  firstIssue,
  type InboxEvent,
  type ParsedDelivery,
  parseDate,
  parseEach,
} from '../../webhooks/events.ts';

/** The original format: notifications per realm, each with changed entities. */
const LegacyEntity = z.looseObject({
  name: z.string().min(1),
  id: z.string().min(1),
  operation: z.string().min(1),
  lastUpdated: z.string().optional(),
  deletedId: z.string().optional(),
});
const Legacy = z.looseObject({
  eventNotifications: z.array(
    z.looseObject({
      realmId: z.string().min(1),
      dataChangeEvent: z.looseObject({ entities: z.array(LegacyEntity) }),
    }),
  ),
});

/** The CloudEvents format: an array of events; `data` and `datacontenttype` may be absent. */
const CloudEvent = z.looseObject({
  specversion: z.string(),
  id: z.string().min(1),
  source: z.string().optional(),
  type: z.string().regex(/^qbo\.[a-z0-9]+\.[a-z0-9]+\.v\d+$/i, 'type must look like qbo.<entity>.<operation>.v<n>'),
  time: z.string().optional(),
  intuitentityid: z.string().min(1),
  intuitaccountid: z.string().min(1),
  data: z.record(z.string(), z.unknown()).optional(),
});
const CloudEvents = z.array(z.unknown()).min(1);

/** CloudEvents use past participles (created, updated, …); legacy uses verbs (Create, Update, …). */
const OPERATION: Record<string, string> = {
  created: 'create',
  updated: 'update',
  deleted: 'delete',
  merged: 'merge',
  voided: 'void',
  emailed: 'emailed',
};

/**
 * Parses a verified Intuit body in either format. Dedupe: the CloudEvents `source` and `id`; for
 * the legacy format (no id) realm + entity + id + lastUpdated + operation.
 */
export function parseQuickBooksDelivery(body: Uint8Array): ParsedDelivery {
  const json = decodeJson(body);
  if (!json.ok) return { kind: 'malformed', reason: json.reason };
  if (Array.isArray(json.value)) {
    const parsed = CloudEvents.safeParse(json.value);
    if (!parsed.success) return { kind: 'malformed', reason: firstIssue(parsed.error.issues) };
    return parseEach(parsed.data, CloudEvent, (e): InboxEvent => {
      const [, entity, op] = e.type.toLowerCase().split('.') as [string, string, string];
      return {
        // CloudEvents ids are unique within their source only.
        dedupeKey: e.source ? derivedDedupeKey('qbo', ['ce', e.source, e.id]) : `ce:${e.id}`,
        accountRef: e.intuitaccountid,
        entity,
        entityId: e.intuitentityid,
        operation: OPERATION[op] ?? op,
        occurredAt: parseDate(e.time),
        payload: e,
      };
    });
  }
  const parsed = Legacy.safeParse(json.value);
  if (!parsed.success) return { kind: 'malformed', reason: firstIssue(parsed.error.issues) };
  const events: InboxEvent[] = [];
  for (const n of parsed.data.eventNotifications) {
    for (const e of n.dataChangeEvent.entities) {
      events.push({
        dedupeKey: derivedDedupeKey('qbo', [n.realmId, e.name, e.id, e.lastUpdated ?? '', e.operation]),
        accountRef: n.realmId,
        entity: e.name.toLowerCase(),
        entityId: e.id,
        operation: e.operation.toLowerCase(),
        occurredAt: parseDate(e.lastUpdated),
        payload: e,
      });
    }
  }
  return { kind: 'events', events };
}
