import { derivedDedupeKey } from '../../webhooks/events.ts';
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { webhookDelivery, webhookEvent } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import {
  deliver,
  qboCloudEvents,
  qboLegacy,
  sign,
  webhookEnv,
  XERO_KEY,
  xeroBatch,
} from '../support/webhooks/deliver.ts';
import { fixtureBytes, vectors } from '../support/fixtures.ts';
import { copiesOf, storedBodies } from '../support/webhooks/stored.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function setup(env: Record<string, string> = webhookEnv, db: TestDatabase = database) {
  const deps = await testDeps(db, { config: testConfig(env) });
  return { deps, app: createApp(deps) };
}
/** Bodies stored, wherever kept (on a one-event delivery's event, or in webhook_delivery). */
const deliveries = async () => (await storedBodies(database.db)).length;
const eventsFor = (accountRef: string) =>
  database.db.select().from(webhookEvent).where(eq(webhookEvent.accountRef, accountRef));
/** A Xero tenant or QuickBooks realm a firm has connected as a ledger: its events are processed. */
async function connectedAccount(
  provider: 'xero' | 'quickbooks',
  externalId: string = randomUUID(),
  status: 'active' | 'needs_reconnect' | 'disconnected' = 'active',
) {
  const f = await makeFirm(database.db);
  await makeLedger(database.db, f.id, { provider, externalId, status });
  return externalId;
}

describe('Xero receiver', () => {
  it('answers 401 to a missing or wrong signature and stores nothing', async () => {
    const { app } = await setup();
    const body = xeroBatch([{ tenantId: randomUUID() }]);
    const before = await deliveries();
    for (const signature of [null, '', sign('another-key', body), sign(XERO_KEY, `${body} `), 'bm90IGEgc2lnbmF0dXJl']) {
      const res = await deliver(app, 'xero', body, { signature });
      expect(res.status).toBe(401);
      expect((await res.json()).error.code).toBe('unauthenticated');
    }
    expect(await deliveries()).toBe(before);
  });

  it('passes 200 random intent-to-receive checks: 200, empty body, no cookie; wrongly signed ones get 401 (reliability #5)', async () => {
    const { app } = await setup();
    const before = await deliveries();
    for (let i = 0; i < 200; i++) {
      const body = JSON.stringify({
        events: [],
        firstEventSequence: 0,
        lastEventSequence: 0,
        entropy: randomUUID().replaceAll('-', '').slice(0, 20).toUpperCase(),
      });
      const ok = await deliver(app, 'xero', body);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe('');
      expect(ok.headers.get('set-cookie')).toBeNull();
      const bad = await deliver(app, 'xero', body, { signature: sign('not-the-key', body) });
      expect(bad.status).toBe(401);
    }
    expect(await deliveries()).toBe(before);
  });

  it('stores the exact bytes and one inbox row per event; other categories are kept but ignored; one job per tenant', async () => {
    const { app, deps } = await setup();
    const tenantId = await connectedAccount('xero');
    const body = xeroBatch([
      { tenantId, category: 'INVOICE' },
      { tenantId, category: 'CONTACT', type: 'CREATE' },
      { tenantId, category: 'SUBSCRIPTION' },
    ]);
    const res = await app.request('/webhooks/xero', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-xero-signature': sign(XERO_KEY, body),
        cookie: 'secret=1',
        authorization: 'Bearer nope',
      },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
    const rows = await eventsFor(tenantId);
    expect(rows.map((r) => [r.entity, r.operation, r.status]).sort()).toEqual([
      ['contact', 'create', 'received'],
      ['invoice', 'update', 'received'],
      ['subscription', 'update', 'ignored'],
    ]);
    // A body three events share is kept once; each event points to it and carries no copy.
    expect(new Set(rows.map((r) => r.deliveryId)).size).toBe(1);
    expect(rows.every((r) => r.rawBody === null && r.headers === null)).toBe(true);
    const [d] = await database.db.select().from(webhookDelivery).where(eq(webhookDelivery.id, rows[0]!.deliveryId!));
    expect(d).toMatchObject({ status: 'received', eventCount: 3 });
    expect(Buffer.from(d!.rawBody).toString('utf8')).toBe(body);
    expect(d!.headers['x-xero-signature']).toBe(sign(XERO_KEY, body));
    expect(d!.headers.cookie).toBeUndefined();
    expect(d!.headers.authorization).toBeUndefined();
    expect(await copiesOf(database.db, body)).toHaveLength(1);
    expect(deps.jobs.inbox).toEqual([{ provider: 'xero', accountRef: tenantId }]);
  });

  it('keeps the exact bytes and headers of a one-event delivery on its inbox row, credentials dropped', async () => {
    const { app } = await setup();
    const tenantId = await connectedAccount('xero');
    const body = xeroBatch([{ tenantId }]);
    const res = await app.request('/webhooks/xero', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-xero-signature': sign(XERO_KEY, body),
        cookie: 'secret=1',
        authorization: 'Bearer nope',
      },
      body,
    });
    expect(res.status).toBe(200);
    const [row, ...others] = await eventsFor(tenantId);
    expect(others).toHaveLength(0);
    expect(row!.deliveryId).toBeNull();
    // The event is the whole body: its payload is read from these bytes, not stored twice.
    expect(row!.payload).toBeNull();
    expect(Buffer.from(row!.rawBody!).toString('utf8')).toBe(body);
    expect(row!.headers!['x-xero-signature']).toBe(sign(XERO_KEY, body));
    expect(row!.headers!['content-type']).toBe('application/json');
    expect(row!.headers!.cookie).toBeUndefined();
    expect(row!.headers!.authorization).toBeUndefined();
    expect(await copiesOf(database.db, body)).toEqual([expect.objectContaining({ where: 'event' })]);
  });

  it('answers a repeated delivery or a repeated event 200 and adds no row and no job, 29 days after it was processed too (reliability #9)', async () => {
    const clock = fixedClock('2026-11-20T10:00:00Z');
    const deps = await testDeps(database, { clock, config: testConfig(webhookEnv) });
    const app = createApp(deps);
    const tenantId = await connectedAccount('xero');
    const event = { tenantId, resourceId: randomUUID(), at: '2026-11-20T08:00:00.123' };
    const body = xeroBatch([event]);
    expect((await deliver(app, 'xero', body)).status).toBe(200);
    const stored = await deliveries();
    expect((await deliver(app, 'xero', body)).status).toBe(200);
    // The same event inside a different batch (new entropy): other bytes, the same event, no new row.
    expect((await deliver(app, 'xero', xeroBatch([event]))).status).toBe(200);
    expect(await deliveries()).toBe(stored);
    expect(deps.jobs.inbox).toHaveLength(1);

    // Processed, then redelivered on day 29 (a provider's late retry, or a replay of its log).
    await database.db
      .update(webhookEvent)
      .set({ status: 'processed', processedAt: clock.now() })
      .where(eq(webhookEvent.accountRef, tenantId));
    clock.advance(29 * 86_400_000);
    expect((await deliver(app, 'xero', body)).status).toBe(200);
    expect((await deliver(app, 'xero', xeroBatch([event]))).status).toBe(200);
    expect(await deliveries()).toBe(stored);
    expect(await eventsFor(tenantId)).toEqual([expect.objectContaining({ status: 'processed' })]);
    expect(deps.jobs.inbox).toHaveLength(1);
  });

  it('turns 50 concurrent replays of one delivery into one inbox row and one job, all acknowledged (reliability #2)', async () => {
    const { app, deps } = await setup();
    const tenantId = await connectedAccount('xero');
    const body = xeroBatch([{ tenantId }]);
    const before = await deliveries();
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => deliver(app, 'xero', body).then((r) => r.status)),
    );
    expect(statuses).toEqual(Array(50).fill(200));
    expect(await deliveries()).toBe(before + 1);
    expect(await eventsFor(tenantId)).toHaveLength(1);
    expect(deps.jobs.inbox).toHaveLength(1);
  });

  it('settles events for an unknown or disconnected tenant on receipt: 200, kept with the reason, logged, no job (reliability #8)', async () => {
    const { app, deps } = await setup();
    const stranger = randomUUID();
    const gone = await connectedAccount('xero', randomUUID(), 'disconnected');
    // A tenant connected by two firms, one of which disconnected it: still processed.
    const shared = await connectedAccount('xero', randomUUID(), 'disconnected');
    await connectedAccount('xero', shared);
    const res = await deliver(
      app,
      'xero',
      xeroBatch([
        { tenantId: stranger },
        { tenantId: stranger, category: 'CONTACT' },
        { tenantId: gone },
        { tenantId: shared },
      ]),
    );
    expect(res.status).toBe(200);
    const settled = (ref: string) =>
      eventsFor(ref).then((rows) => rows.map((r) => [r.status, r.error, r.processedAt !== null]));
    expect(await settled(stranger)).toEqual([
      ['ignored', 'unknown tenant: no ledger is connected for this account', true],
      ['ignored', 'unknown tenant: no ledger is connected for this account', true],
    ]);
    expect(await settled(gone)).toEqual([['ignored', 'ledger is disconnected', true]]);
    expect(await settled(shared)).toEqual([['received', null, false]]);
    expect(deps.jobs.inbox).toEqual([{ provider: 'xero', accountRef: shared }]);
    const logged = deps.logger.lines.filter((l) => l.includes('webhook events not processed'));
    expect(logged).toHaveLength(2);
    expect(logged.find((l) => l.includes(stranger))).toContain('"events":2');
    expect(logged.some((l) => l.includes(gone) && l.includes('ledger is disconnected'))).toBe(true);
  });

  it('quarantines a signed body that is not a Xero batch, and still answers 200', async () => {
    const { app, deps } = await setup();
    const body = `{"events": "oops", "n": "${randomUUID()}"}`;
    expect((await deliver(app, 'xero', body)).status).toBe(200);
    const [d, ...more] = await copiesOf(database.db, body);
    expect(more).toHaveLength(0);
    expect(d).toMatchObject({ where: 'delivery', status: 'quarantined', eventCount: 0 });
    expect(d!.error).toMatch(/^events: /);
    expect(deps.jobs.inbox).toHaveLength(0);
  });

  it('answers 503 with a clear message when no webhook key is configured', async () => {
    const { XERO_WEBHOOK_KEY: _, ...env } = webhookEnv;
    const { app } = await setup(env);
    const res = await deliver(app, 'xero', xeroBatch([{ tenantId: randomUUID() }]));
    expect(res.status).toBe(503);
    expect((await res.json()).error.message).toMatch(/XERO_WEBHOOK_KEY/);
  });
});

describe('QuickBooks receiver', () => {
  it('stores both formats, with application/json or application/cloudevents+json, keyed for dedupe', async () => {
    const { app, deps } = await setup();
    const realm = await connectedAccount('quickbooks', String(Date.now()) + Math.floor(Math.random() * 1000));
    const legacy = qboLegacy(realm, [
      { name: 'Invoice', id: '130', operation: 'Update' },
      { name: 'Vendor', id: '7', operation: 'Create' },
    ]);
    expect((await deliver(app, 'quickbooks', legacy)).status).toBe(200);
    const ce = qboCloudEvents(realm, [{ entity: 'payment', id: '55', op: 'created' }]);
    expect((await deliver(app, 'quickbooks', ce, { contentType: 'application/cloudevents+json' })).status).toBe(200);
    expect((await deliver(app, 'quickbooks', ce, { contentType: 'application/json' })).status).toBe(200);
    const rows = await eventsFor(realm);
    expect(rows.map((r) => [r.entity, r.entityId, r.operation, r.status]).sort()).toEqual([
      ['invoice', '130', 'update', 'received'],
      ['payment', '55', 'create', 'received'],
      ['vendor', '7', 'create', 'ignored'],
    ]);
    expect(deps.jobs.inbox.every((k) => k.provider === 'quickbooks' && k.accountRef === realm)).toBe(true);
  });

  it('quarantines signed but malformed bodies with 200, never 4xx (reliability #6)', async () => {
    const { app } = await setup();
    const bodies = [
      '{"eventNotifications":[{"realmId":1}]}',
      '[{"specversion":"1.0","id":"x"}]',
      'garbage',
      '[]',
      `{"unknown":"${randomUUID()}"}`,
    ];
    for (const [i, body] of bodies.entries()) {
      for (const contentType of ['application/json', 'application/cloudevents+json', 'text/plain']) {
        const b = `${body}${' '.repeat(i)}${contentType === 'text/plain' ? '\n' : contentType === 'application/json' ? '' : '\t'}`;
        const res = await deliver(app, 'quickbooks', b, { contentType });
        expect(res.status).toBe(200);
        const [d] = await copiesOf(database.db, b);
        expect(d?.status).toBe('quarantined');
        expect(d?.error).toBeTruthy();
      }
    }
    expect((await deliver(app, 'quickbooks', 'garbage', { signature: sign('wrong', 'garbage') })).status).toBe(401);
  });

  it('keeps a signed body whose events the database cannot hold as JSON (\\u0000) quarantined, and answers 200', async () => {
    const { app } = await setup();
    const realm = `nul-${randomUUID()}`;
    // Two events share this body, so their payloads are stored as jsonb, which cannot hold \u0000.
    const body = qboLegacy(realm, [
      { name: 'Invoice', id: '1', operation: 'Update' },
      { name: 'Invoice', id: '2', operation: 'Update' },
    ]).replace('"Update"', '"Update","memo":"a\\u0000b"');
    expect(body).toContain('\\u0000');
    const res = await deliver(app, 'quickbooks', body);
    expect(res.status).toBe(200);
    const [d] = await copiesOf(database.db, body);
    expect(d).toMatchObject({
      where: 'delivery',
      status: 'quarantined',
      error: expect.stringMatching(/events could not be stored/),
    });
    expect(await eventsFor(realm)).toHaveLength(0);

    // A lone event is kept as its bytes, which hold anything: it is stored and processed as usual.
    const lone = `nul-${randomUUID()}`;
    const one = qboLegacy(lone, [{ name: 'Invoice', id: '1', operation: 'Update' }]).replace(
      '"Update"',
      '"Update","memo":"a\\u0000b"',
    );
    expect((await deliver(app, 'quickbooks', one)).status).toBe(200);
    expect((await eventsFor(lone)).map((e) => [e.entity, e.status])).toEqual([['invoice', 'ignored']]);
  });

  it('accepts exact bytes with a BOM, CRLF and non-ASCII text (nothing re-serialises the body first)', async () => {
    const { app } = await setup();
    const realm = `bom-${randomUUID()}`;
    const text = qboLegacy(realm, [{ name: 'Customer', id: '9', operation: 'Update' }])
      .replace('"realmId"', '\r\n  "realmId"')
      .replace('Customer', 'Customer');
    const body = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode(text.replace('}]}', ',"note":"Zoë 😀"}]}')),
    ]);
    const res = await deliver(app, 'quickbooks', body);
    expect(res.status).toBe(200);
    // The UTF-8 decoder drops a leading BOM, so the event is read; the bytes are kept as sent, BOM included.
    expect(await copiesOf(database.db, body)).toEqual([expect.objectContaining({ where: 'event' })]);
    const crlf = new TextEncoder().encode(text.replace('}]}', ',"note":"Zoë 😀"}]}'));
    expect((await deliver(app, 'quickbooks', crlf)).status).toBe(200);
    expect(await eventsFor(realm)).toHaveLength(1);
  });
});

describe('QuickBooks receiver with Intuit’s examples', () => {
  it("accepts the SDK's signed example with its verifier token and signature", async () => {
    const v = vectors().intuit_legacy;
    const { app } = await setup({ ...webhookEnv, QUICKBOOKS_WEBHOOK_VERIFIER: v.verifierToken });
    const body = fixtureBytes('quickbooks/webhook-legacy-signed.json');
    expect((await deliver(app, 'quickbooks', body, { signature: v['intuit-signature'] })).status).toBe(200);
    expect((await eventsFor('1185883450')).map((r) => [r.entity, r.entityId])).toEqual([['customer', '1']]);
    const tampered = new TextEncoder().encode(new TextDecoder().decode(body).replace('"1"', '"2"'));
    expect((await deliver(app, 'quickbooks', tampered, { signature: v['intuit-signature'] })).status).toBe(401);
  });

  it('accepts every CloudEvents example as application/cloudevents+json', async () => {
    const { app } = await setup();
    for (const f of ['blog-sample', 'sampleapp', 'customer-merged', 'salesreceipt-updated-no-data']) {
      const res = await deliver(app, 'quickbooks', fixtureBytes(`quickbooks/webhook-cloudevents-${f}.json`), {
        contentType: 'application/cloudevents+json',
      });
      expect(res.status).toBe(200);
    }
    // blog-sample and sampleapp share one CloudEvents source and id: the second is a duplicate event.
    const key = derivedDedupeKey('qbo', [
      'ce',
      'intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=',
      '88cd52aa-33b6-4351-9aa4-47572edbd068',
    ]);
    const rows = await database.db.select().from(webhookEvent).where(eq(webhookEvent.dedupeKey, key));
    expect(rows).toHaveLength(1);
  });
});

describe('database unavailable (reliability #6)', () => {
  it('answers 503 at once when the database is gone, for both providers', async () => {
    const gone = await createTestDatabase();
    const { app } = await setup(webhookEnv, gone);
    await gone.drop();
    for (const [provider, body] of [
      ['xero', xeroBatch([{ tenantId: randomUUID() }])],
      ['quickbooks', qboLegacy('1', [{ name: 'Invoice', id: '1', operation: 'Update' }])],
    ] as const) {
      const started = performance.now();
      const res = await deliver(app, provider, body);
      expect(res.status).toBe(503);
      expect((await res.json()).error.code).toBe('unavailable');
      expect(performance.now() - started).toBeLessThan(3_000);
    }
  });

  it('answers 503 inside the provider deadline when the database hangs, and the retry is stored once', async () => {
    const { app } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => (locked = r));
    const holder = database.db.transaction(async (tx) => {
      await tx.execute(sql`lock table webhook_event in access exclusive mode`);
      locked();
      await gate;
    });
    await isLocked;
    const realm = `hang-${randomUUID()}`;
    const body = qboLegacy(realm, [{ name: 'Invoice', id: '1', operation: 'Update' }]);
    const xbody = xeroBatch([{ tenantId: realm }]);
    try {
      const started = performance.now();
      const [q, x] = await Promise.all([deliver(app, 'quickbooks', body), deliver(app, 'xero', xbody)]);
      const elapsed = performance.now() - started;
      expect(q.status).toBe(503);
      expect(x.status).toBe(503);
      // Intuit waits 3 s and Xero 5 s; both answers came before Xero's deadline, Intuit's first.
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      release();
      await holder;
    }
    // The stalled inserts may still have landed; a provider retry adds nothing either way.
    expect((await deliver(app, 'quickbooks', body)).status).toBe(200);
    expect((await deliver(app, 'xero', xbody)).status).toBe(200);
    expect(await eventsFor(realm)).toHaveLength(2);
  });
});
