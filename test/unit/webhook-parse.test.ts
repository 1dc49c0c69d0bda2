import { describe, expect, it } from 'vitest';
import { derivedDedupeKey, resourceFor } from '../../webhooks/events.ts';
import { eventPayload } from '../../webhooks/payload.ts';
import { parseQuickBooksDelivery } from '../../connectors/quickbooks/webhook.ts';
import { parseXeroDelivery } from '../../connectors/xero/webhook.ts';
import { fixtureBytes } from '../support/fixtures.ts';

const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
const events = (p: ReturnType<typeof parseXeroDelivery>) => {
  if (p.kind !== 'events') throw new Error(`expected events, got ${p.reason}`);
  return p.events;
};

describe('webhook payloads from the providers’ own examples', () => {
  it("parses Xero's example batch; its zone-less eventDateUtc is UTC", () => {
    const [e, ...rest] = events(parseXeroDelivery(fixtureBytes('xero/webhook-events.json')));
    expect(rest).toHaveLength(0);
    expect(e).toMatchObject({
      accountRef: 'c2cc9b6e-9458-4c7d-93cc-f02b81b0594f',
      entity: 'contact',
      entityId: '717f2bfc-c6d4-41fd-b238-3f2f0c0cf777',
      operation: 'update',
      // 128 bits of SHA-256("xero:c2cc9b6e-…:CONTACT:717f2bfc-…:2024-06-21T01:15:39.902:UPDATE"): pinned,
      // because drizzle/0017 rewrote stored keys to exactly this.
      dedupeKey: 'xero:8I-5G9yU-vutjdGZ-EziIO',
    });
    expect(e!.occurredAt!.toISOString()).toBe('2024-06-21T01:15:39.902Z');
  });

  it('parses every legacy Intuit example, one event per changed entity, with derived dedupe keys', () => {
    const signed = events(parseQuickBooksDelivery(fixtureBytes('quickbooks/webhook-legacy-signed.json')));
    expect(signed).toEqual([
      expect.objectContaining({
        accountRef: '1185883450',
        entity: 'customer',
        entityId: '1',
        operation: 'create',
        dedupeKey: 'qbo:210UjC3MLhZJWz8Hsv7BD4',
      }),
    ]);
    expect(signed[0]!.occurredAt!.toISOString()).toBe('2015-10-05T21:42:19.000Z');
    const two = events(parseQuickBooksDelivery(fixtureBytes('quickbooks/webhook-legacy-two-entities.json')));
    expect(two.map((e) => [e.entity, e.entityId, e.operation])).toEqual([
      ['vendor', '40', 'update'],
      ['customer', '43', 'create'],
    ]);
    const blog = events(parseQuickBooksDelivery(fixtureBytes('quickbooks/webhook-legacy-blog-sample.json')));
    expect(blog[0]).toMatchObject({ accountRef: '310687', entity: 'account', entityId: '1234', operation: 'create' });
  });

  it('parses every CloudEvents example, keyed on the event source and id; data may be absent', () => {
    const blog = events(parseQuickBooksDelivery(fixtureBytes('quickbooks/webhook-cloudevents-blog-sample.json')));
    expect(blog[0]).toMatchObject({
      dedupeKey: derivedDedupeKey('qbo', [
        'ce',
        'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=',
        '88cd52aa-33b6-4351-9aa4-47572edbd068',
      ]),
      accountRef: '310687',
      entity: 'account',
      entityId: '1234',
      operation: 'create',
    });
    const app = events(parseQuickBooksDelivery(fixtureBytes('quickbooks/webhook-cloudevents-sampleapp.json')));
    expect(app[0]).toMatchObject({ entity: 'customer', operation: 'create' });
    const merged = events(parseQuickBooksDelivery(fixtureBytes('quickbooks/webhook-cloudevents-customer-merged.json')));
    expect(merged[0]).toMatchObject({
      entity: 'customer',
      entityId: '123',
      operation: 'merge',
      payload: expect.objectContaining({ data: { deletedid: '27' } }),
    });
    const noData = events(
      parseQuickBooksDelivery(fixtureBytes('quickbooks/webhook-cloudevents-salesreceipt-updated-no-data.json')),
    );
    expect(noData[0]).toMatchObject({ entity: 'salesreceipt', entityId: '150', operation: 'update' });
    expect(resourceFor('salesreceipt')).toBeNull();
    // The same Intuit event in both formats names the same account, entity, id and operation.
    const legacy = events(parseQuickBooksDelivery(fixtureBytes('quickbooks/webhook-legacy-blog-sample.json')))[0]!;
    expect([legacy.accountRef, legacy.entity, legacy.entityId, legacy.operation]).toEqual([
      blog[0]!.accountRef,
      blog[0]!.entity,
      blog[0]!.entityId,
      blog[0]!.operation,
    ]);
  });
});

it('maps the entities overdue mirrors and ignores the rest', () => {
  expect(
    ['invoice', 'contact', 'customer', 'payment', 'creditnote', 'creditmemo', 'subscription', 'vendor'].map(
      resourceFor,
    ),
  ).toEqual(['invoices', 'contacts', 'contacts', 'payments', 'credit_notes', 'credit_notes', null, null]);
});

it('calls a body malformed, with a reason, instead of throwing', () => {
  const cases: [ReturnType<typeof parseXeroDelivery>, RegExp][] = [
    [parseXeroDelivery(enc('not json')), /not JSON/],
    [parseXeroDelivery(new Uint8Array([0x7b, 0xff, 0x7d])), /not JSON/],
    [parseXeroDelivery(enc({ events: [{ resourceId: 'x' }] })), /^event 0: /],
    [parseXeroDelivery(enc([])), /expected object/],
    [parseQuickBooksDelivery(enc({ eventNotifications: 'nope' })), /eventNotifications/],
    [parseQuickBooksDelivery(enc([])), /too_small|>=1|at least/i],
    [
      parseQuickBooksDelivery(
        enc([{ specversion: '1.0', id: 'a', type: 'invoice-updated', intuitentityid: '1', intuitaccountid: '2' }]),
      ),
      /qbo\.<entity>/,
    ],
    [parseQuickBooksDelivery(enc({ hello: 'world' })), /eventNotifications/],
    [parseQuickBooksDelivery(enc('null')), /./],
  ];
  for (const [parsed, reason] of cases) {
    expect(parsed.kind).toBe('malformed');
    expect(parsed.kind === 'malformed' && parsed.reason).toMatch(reason);
  }
});

it('treats a signed, empty Xero batch as intent-to-receive (no events)', () => {
  expect(parseXeroDelivery(enc({ events: [], firstEventSequence: 0, lastEventSequence: 0, entropy: 'ABC' }))).toEqual({
    kind: 'events',
    events: [],
  });
});

it('reads a valid body after a body that is not UTF-8, and an incomplete sequence fails alone', () => {
  // The decoder is shared between deliveries: a failed or cut-off decode must leave nothing behind.
  expect(parseXeroDelivery(new Uint8Array([0x7b, 0xe2, 0x82]))).toMatchObject({
    kind: 'malformed',
    reason: expect.stringMatching(/not JSON/),
  });
  expect(parseXeroDelivery(enc({ events: [] }))).toEqual({ kind: 'events', events: [] });
  expect(parseXeroDelivery(new Uint8Array([0xff]))).toMatchObject({ kind: 'malformed' });
  expect(parseXeroDelivery(enc('{"events":[],"entropy":"€"}'))).toEqual({ kind: 'events', events: [] });
});

it("reads a lone event's payload back from its bytes with its own provider's parser", () => {
  const xero = {
    resourceUrl: '',
    resourceId: 'inv-1',
    eventDateUtc: '2024-06-21T01:15:39.902',
    eventType: 'UPDATE',
    eventCategory: 'INVOICE',
    tenantId: 't-1',
  };
  const cloud = {
    specversion: '1.0',
    id: 'ce-1',
    type: 'qbo.invoice.updated.v1',
    intuitentityid: '42',
    intuitaccountid: '9130',
  };
  const xeroBody = enc({ events: [xero], firstEventSequence: 1, lastEventSequence: 1, entropy: 'E' });
  expect(eventPayload({ provider: 'xero', payload: null, rawBody: xeroBody })).toEqual(xero);
  expect(eventPayload({ provider: 'quickbooks', payload: null, rawBody: enc([cloud]) })).toEqual(cloud);
  // Each body only makes sense to its own provider's parser.
  expect(eventPayload({ provider: 'quickbooks', payload: null, rawBody: xeroBody })).toBeNull();
  expect(eventPayload({ provider: 'xero', payload: null, rawBody: enc([cloud]) })).toBeNull();
  // A stored payload wins; a provider with no webhooks has nothing to read its bytes with.
  expect(eventPayload({ provider: 'xero', payload: { kept: true }, rawBody: xeroBody })).toEqual({ kept: true });
  expect(eventPayload({ provider: 'demo', payload: null, rawBody: xeroBody })).toBeNull();
});
