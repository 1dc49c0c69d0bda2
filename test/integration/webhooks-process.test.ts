import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { contact, invoice, webhookEvent } from '../../src/db/schema/index.ts';
import type { fixedClock } from '../../src/lib/clock.ts';
import { MAX_ATTEMPTS, processInbox } from '../../src/services/inbox.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeFirm } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';
import { deliver, webhookOnlyEnv, xeroBatch } from '../support/webhooks/deliver.ts';
import { inboxDepsFor } from '../support/webhooks/inbox.ts';
import { connectXero } from '../support/xero/connected.ts';
import { msDate, templates } from '../support/xero/fixtures.ts';
import { useXeroFake } from '../support/xero/setup.ts';

const xero = useXeroFake();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function connected() {
  const fake = xero.reset();
  const c = await connectXero(database, fake, webhookOnlyEnv);
  fake.seedInvoices(c.tenant, 3, { start: new Date('2026-11-01T00:00:00Z') });
  // The customer the invoices name is in the ledger too, as in Xero.
  const customer = (c.tenant.Invoices[0]!.Contact as { ContactID: string }).ContactID;
  c.tenant.Contacts.push({ ...templates().contact, ContactID: customer });
  await syncLedger({ ctx: c.ctx, input: { ledgerId: c.ledger.id } }, await c.deps.integrations.resolve(c.ledger));
  const mirror = (externalId: string) =>
    database.db
      .select()
      .from(invoice)
      .where(and(eq(invoice.ledgerId, c.ledger.id), eq(invoice.externalId, externalId)))
      .then((r) => r[0]!);
  const pay = (i: number, at: string) => {
    const inv = c.tenant.Invoices[i]!;
    Object.assign(inv, { Status: 'PAID', AmountPaid: inv.Total, AmountDue: 0, UpdatedDateUTC: msDate(at) });
    return String(inv.InvoiceID);
  };
  const events = () => database.db.select().from(webhookEvent).where(eq(webhookEvent.accountRef, c.tenant.tenantId));
  const clock = c.deps.clock as ReturnType<typeof fixedClock>;
  return {
    ...c,
    fake,
    mirror,
    pay,
    events,
    clock,
    key: { provider: 'xero' as const, accountRef: c.tenant.tenantId },
    ...inboxDepsFor(c.deps),
  };
}

describe('webhook processing (Xero)', () => {
  it('re-fetches the invoice a webhook names, mirrors it as paid and reports the change once', async () => {
    const c = await connected();
    const id = c.pay(0, '2026-11-20T09:30:00Z');
    expect((await c.mirror(id)).status).toBe('open');
    const batch = xeroBatch([
      { tenantId: c.tenant.tenantId, resourceId: id, at: '2026-11-20T09:30:00.000' },
      { tenantId: c.tenant.tenantId, resourceId: id, at: '2026-11-20T09:30:00.500' },
    ]);
    expect((await deliver(c.app, 'xero', batch)).status).toBe(200);
    expect(c.deps.jobs.inbox).toEqual([c.key]);
    const calls = c.fake.apiCalls;
    expect(await processInbox(c.inbox, c.key)).toEqual({ processed: 2, failed: 0, dead: 0, ignored: 0, more: false });
    // Two events for one invoice: one fetch.
    expect(c.fake.apiCalls - calls).toBe(1);
    const row = await c.mirror(id);
    expect(row).toMatchObject({ status: 'paid', amountDue: '0.0000' });
    expect(c.changes).toEqual([
      { firmId: c.firm.id, ledgerId: c.ledger.id, invoiceIds: [row.id], contactIds: [], source: 'webhook' },
    ]);
    expect((await c.events()).map((e) => e.status)).toEqual(['processed', 'processed']);
    // Nothing left to do: a second run fetches nothing.
    expect(await processInbox(c.inbox, c.key)).toMatchObject({ processed: 0 });
    expect(c.fake.apiCalls - calls).toBe(1);
  });

  it('keeps events for an unknown tenant, logs them and never processes them, even when replayed (reliability #8)', async () => {
    const c = await connected();
    const stranger = { provider: 'xero' as const, accountRef: '00000000-0000-4000-8000-00000000beef' };
    expect((await deliver(c.app, 'xero', xeroBatch([{ tenantId: stranger.accountRef }]))).status).toBe(200);
    // Settled on receipt: no job is queued for it.
    expect(c.deps.jobs.inbox).toEqual([]);
    const [row] = await database.db.select().from(webhookEvent).where(eq(webhookEvent.accountRef, stranger.accountRef));
    expect(row).toMatchObject({ status: 'ignored', error: expect.stringMatching(/unknown tenant/) });
    expect(
      c.deps.logger.lines.some((l) => l.includes('webhook events not processed') && l.includes(stranger.accountRef)),
    ).toBe(true);
    // Put back in the queue (as a replay does): processing settles it again and fetches nothing.
    await database.db
      .update(webhookEvent)
      .set({ status: 'received', error: null, processedAt: null })
      .where(eq(webhookEvent.id, row!.id));
    const calls = c.fake.apiCalls;
    expect(await processInbox(c.inbox, stranger)).toMatchObject({ ignored: 1, processed: 0 });
    expect(c.fake.apiCalls).toBe(calls);
    const [again] = await database.db.select().from(webhookEvent).where(eq(webhookEvent.id, row!.id));
    expect(again).toMatchObject({ status: 'ignored', error: expect.stringMatching(/unknown tenant/) });
  });

  it('retries a failing fetch with backoff, dead-letters it after the last attempt, and an operator requeues it', async () => {
    const c = await connected();
    const id = c.pay(1, '2026-11-20T09:40:00Z');
    await deliver(c.app, 'xero', xeroBatch([{ tenantId: c.tenant.tenantId, resourceId: id }]));
    c.fake.fail(new RegExp(`/Invoices/${id}`), 400, {
      body: { Type: 'ValidationException', ErrorNumber: 10, Message: 'nope' },
      times: 1000,
    });
    const seen: string[] = [];
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const run = await processInbox(c.inbox, c.key);
      const [e] = await c.events();
      seen.push(e!.status);
      expect(run.processed).toBe(0);
      // Not due again until its backoff has passed.
      expect(await processInbox(c.inbox, c.key)).toMatchObject({ processed: 0, failed: 0, dead: 0 });
      c.clock.set(e!.nextAttemptAt);
    }
    expect(seen).toEqual([...Array(MAX_ATTEMPTS - 1).fill('failed'), 'dead']);
    const [dead] = await c.events();
    expect(dead).toMatchObject({
      status: 'dead',
      attempts: MAX_ATTEMPTS,
      error: expect.stringMatching(/^xero validation/),
    });
    expect(c.deps.logger.lines.some((l) => l.includes('dead-lettered'))).toBe(true);

    // Visible to the firm's operators, requeued by an admin, then processed once the provider recovers.
    const listed = await c.app.request('/api/v1/webhook-events?status=dead', { headers: { cookie: c.user.cookie } });
    expect((await listed.json()).events).toEqual([
      expect.objectContaining({ id: dead!.id, status: 'dead', attempts: MAX_ATTEMPTS, entityId: id }),
    ]);
    c.fake.failures.length = 0;
    const requeue = await c.app.request('/api/v1/webhook-events/requeue-dead', {
      method: 'POST',
      headers: { cookie: c.user.cookie },
    });
    expect(await requeue.json()).toEqual({ replayed: 1 });
    expect(c.deps.jobs.inbox.at(-1)).toEqual(c.key);
    expect(await processInbox(c.inbox, c.key)).toMatchObject({ processed: 1 });
    expect((await c.mirror(id)).status).toBe('paid');
  });

  it('refreshes a bulk change with a few id-list calls, marks what is gone deleted and falls back when the list is refused', async () => {
    const c = await connected();
    c.fake.seedInvoices(c.tenant, 118, { start: new Date('2026-11-02T00:00:00Z') });
    const paid = c.tenant.Invoices.map((_, i) => c.pay(i, '2026-11-20T10:00:00Z'));
    // One the mirror already holds is deleted in Xero meanwhile.
    const [removed] = c.tenant.Invoices.splice(1, 1);
    const tpl = templates().contact;
    const archived = {
      ...tpl,
      ContactID: randomUUID(),
      Name: 'Gone Ltd',
      ContactStatus: 'ARCHIVED',
      IsCustomer: true,
      UpdatedDateUTC: msDate('2026-11-20T10:00:00Z'),
    };
    const active = {
      ...tpl,
      ContactID: randomUUID(),
      Name: 'Here Ltd',
      ContactStatus: 'ACTIVE',
      IsCustomer: true,
      UpdatedDateUTC: msDate('2026-11-20T10:00:00Z'),
    };
    c.tenant.Contacts.push(archived, active);
    const events = [
      ...paid.map((resourceId) => ({ tenantId: c.tenant.tenantId, resourceId })),
      ...[archived, active].map((x) => ({
        tenantId: c.tenant.tenantId,
        resourceId: String(x.ContactID),
        category: 'CONTACT',
      })),
    ];
    expect((await deliver(c.app, 'xero', xeroBatch(events))).status).toBe(200);

    const before = c.fake.requests.length;
    expect(await processInbox(c.inbox, c.key)).toMatchObject({ processed: 123, failed: 0 });
    const calls = c.fake.requests
      .slice(before)
      .map((r) => ({ path: r.path, ids: r.query.IDs?.split(',').length, archived: r.query.includeArchived }));
    // Contacts first (both, archived included, in one call), then 121 invoices in calls of at most
    // 50 ids; the events of one delivery come out of the inbox in no set order, the calls do not.
    expect(calls).toEqual([
      { path: '/Contacts', ids: 2, archived: 'true' },
      { path: '/Invoices', ids: 50, archived: 'true' },
      { path: '/Invoices', ids: 50, archived: 'true' },
      { path: '/Invoices', ids: 21, archived: 'true' },
    ]);
    const rows = await database.db.select().from(invoice).where(eq(invoice.ledgerId, c.ledger.id));
    expect(rows.filter((r) => r.status === 'paid')).toHaveLength(120);
    expect(rows.find((r) => r.externalId === removed!.InvoiceID)).toMatchObject({
      status: 'deleted',
      amountDue: '0.0000',
    });
    const people = await database.db.select().from(contact).where(eq(contact.ledgerId, c.ledger.id));
    expect(people.find((p) => p.externalId === archived.ContactID)?.status).toBe('archived');
    expect(people.find((p) => p.externalId === active.ContactID)?.status).toBe('active');

    // A provider that refuses the id list is asked one by one: the events are still processed.
    const again = [c.pay(0, '2026-11-20T11:00:00Z'), c.pay(1, '2026-11-20T11:00:00Z')];
    await deliver(
      c.app,
      'xero',
      xeroBatch(
        again.map((resourceId) => ({ tenantId: c.tenant.tenantId, resourceId, at: '2026-11-20T11:00:00.000' })),
      ),
    );
    c.fake.fail(/^\/Invoices$/, 400, { body: { Type: 'ValidationException', ErrorNumber: 10, Message: 'bad filter' } });
    const mark = c.fake.requests.length;
    expect(await processInbox(c.inbox, c.key)).toMatchObject({ processed: 2, failed: 0 });
    const asked = c.fake.requests.slice(mark).map((r) => r.path);
    expect(asked[0]).toBe('/Invoices');
    expect(asked.slice(1).sort()).toEqual(again.map((id) => `/Invoices/${id}`).sort());
    expect(c.deps.logger.lines.some((l) => l.includes('id-list fetch refused'))).toBe(true);
  });

  it('lets operators list by status and provider, replay one event or a time range; other firms get 404', async () => {
    const c = await connected();
    const ids = [c.pay(0, '2026-11-20T09:00:00Z'), c.pay(2, '2026-11-20T09:01:00Z')];
    await deliver(c.app, 'xero', xeroBatch(ids.map((resourceId) => ({ tenantId: c.tenant.tenantId, resourceId }))));
    await processInbox(c.inbox, c.key);
    const auth = { headers: { cookie: c.user.cookie } };
    const list = await (
      await c.app.request('/api/v1/webhook-events?status=processed&provider=xero&limit=10', auth)
    ).json();
    expect(list.events).toHaveLength(2);
    const one = list.events[0].id as string;
    const detail = await (await c.app.request(`/api/v1/webhook-events/${one}`, auth)).json();
    expect(detail.payload).toMatchObject({ tenantId: c.tenant.tenantId, eventCategory: 'INVOICE' });

    const replay = await c.app.request(`/api/v1/webhook-events/${one}/replay`, { method: 'POST', ...auth });
    expect(replay.status).toBe(202);
    expect((await c.events()).find((e) => e.id === one)!.status).toBe('received');
    const range = await c.app.request('/api/v1/webhook-events/replay', {
      method: 'POST',
      headers: { ...auth.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00Z', status: 'processed' }),
    });
    expect(await range.json()).toEqual({ replayed: 1 });
    expect(await processInbox(c.inbox, c.key)).toMatchObject({ processed: 2 });
    const bad = await c.app.request('/api/v1/webhook-events/replay', {
      method: 'POST',
      headers: { ...auth.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ from: '2026-11-21T00:00:00Z', to: '2026-11-20T00:00:00Z' }),
    });
    expect(bad.status).toBe(400);

    const other = await signedIn(database.db, (await makeFirm(database.db)).id);
    const otherAuth = { headers: { cookie: other.cookie } };
    expect((await c.app.request(`/api/v1/webhook-events/${one}`, otherAuth)).status).toBe(404);
    expect((await c.app.request(`/api/v1/webhook-events/${one}/replay`, { method: 'POST', ...otherAuth })).status).toBe(
      404,
    );
    expect((await (await c.app.request('/api/v1/webhook-events', otherAuth)).json()).events).toEqual([]);
    const viewer = await signedIn(database.db, c.firm.id, 'viewer');
    expect(
      (
        await c.app.request(`/api/v1/webhook-events/${one}/replay`, {
          method: 'POST',
          headers: { cookie: viewer.cookie },
        })
      ).status,
    ).toBe(403);
  });
});
