import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { creditAlert, forecastSnapshot, handoff, invoice, payment, riskScore } from '../../src/db/schema/index.ts';
import { parseCsv } from '../../src/domain/risk/csv.ts';
import { REPORTS } from '../../src/services/credit/reports.ts';
import { creditAlertsOnChange } from '../../src/services/credit/limits.ts';
import { deliverOutbound } from '../../src/services/outbound/events.ts';
import { verifyStandardWebhook } from '../../webhooks/verify.ts';
import { agencyServer } from '../support/agency.ts';
import { freshDatabasePerTest, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { signedIn } from '../support/session.ts';

const fresh = freshDatabasePerTest();

async function setup(statuses: number[] = []) {
  const w = await reminderWorld(fresh.database.db); // Auckland ledger; the clock is Tue 17 Nov 09:00 there
  const deps = await testDeps(fresh.database, { clock: w.clock });
  deps.integrations = { ...deps.integrations, resolve: async () => w.stub.connector };
  const app = createApp(deps);
  const owner = await signedIn(fresh.database.db, w.firm.id);
  const receiver = await agencyServer(statuses);
  fresh.cleanups.push(receiver.close);
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await app.request(`/api/v1${path}`, {
      method,
      headers: { cookie: owner.cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
    };
  };
  const c = await makeContact(fresh.database.db, w.ledger, { name: 'Kea Builders' });
  const outbound = { db: fresh.database.db, clock: w.clock, logger: w.logger, cipher: deps.cipher };
  return { ...w, app, owner, call, receiver, c, outbound };
}

const score = (
  db: TestDatabase['db'],
  w: { firm: { id: string }; ledger: { id: string } },
  subjectType: 'contact' | 'invoice',
  subjectId: string,
  over: Partial<typeof riskScore.$inferInsert> = {},
) =>
  db.insert(riskScore).values({
    firmId: w.firm.id,
    ledgerId: w.ledger.id,
    subjectType,
    subjectId,
    pLate: '0.5',
    pVeryLate: '0.2',
    pSevere: '0.1',
    band: 'medium',
    reasons: [],
    modelVersion: 'test',
    computedAt: new Date(),
    ...over,
  });

describe('credit control', () => {
  it('makes the forecast from what was known on its day, keeps it, and later holds it against receipts', async () => {
    const s = await setup();
    const a = await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-10-20',
      dueDate: '2026-11-19',
      total: '1000.0000',
      amountDue: '1000.0000',
    });
    const b = await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-10-01',
      dueDate: '2026-10-31',
      total: '500.0000',
      amountDue: '500.0000',
    });
    await score(fresh.database.db, s, 'invoice', a.id, {
      predictedPayDate: '2026-11-24',
      pVeryLate: '0.2',
      pSevere: '0.05',
    });
    await score(fresh.database.db, s, 'invoice', b.id, {
      predictedPayDate: '2026-11-18',
      pVeryLate: '0.9',
      pSevere: '0.5',
    });
    // Five months overdue, and the model gives it no date: unlikely to be paid without action.
    const stale = await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-05-01',
      dueDate: '2026-05-31',
      total: '700.0000',
      amountDue: '700.0000',
    });
    await score(fresh.database.db, s, 'invoice', stale.id, { predictedPayDate: null, pVeryLate: '1', pSevere: '0.5' });
    const first = await s.call('GET', `/ledgers/${s.ledger.id}/forecast`);
    expect(first.body.asOf).toBe('2026-11-17');
    // This week: half of the 500 (its chance of being paid at all); at best that and the stale 700.
    expect(first.body.weeks[0]).toEqual({
      weekStart: '2026-11-16',
      low: '50.0000',
      expected: '250.0000',
      high: '1200.0000',
    });
    expect(first.body.weeks[1]).toEqual({
      weekStart: '2026-11-23',
      low: '800.0000',
      expected: '950.0000',
      high: '1000.0000',
    });
    expect(first.body.weeks[2]).toEqual({
      weekStart: '2026-11-30',
      low: '0.0000',
      expected: '0.0000',
      high: '0.0000',
    });
    // Later news the same day changes nothing in that day's forecast: it was made with what was known then.
    await fresh.database.db
      .update(invoice)
      .set({ status: 'paid', amountDue: '0', paidAt: new Date() })
      .where(eq(invoice.id, b.id));
    await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-11-17',
      dueDate: '2026-12-17',
      total: '9999.0000',
      amountDue: '9999.0000',
    });
    expect((await s.call('GET', `/ledgers/${s.ledger.id}/forecast`)).body.weeks).toEqual(first.body.weeks);
    // Two weeks later: receipts came in; the earlier forecast is measured against them.
    await fresh.database.db.insert(payment).values([
      {
        firmId: s.firm.id,
        ledgerId: s.ledger.id,
        externalId: 'p1',
        providerUpdatedAt: new Date(),
        contactExternalId: s.c.externalId,
        date: '2026-11-18',
        amount: '500.0000',
        currency: 'NZD',
      },
      {
        firmId: s.firm.id,
        ledgerId: s.ledger.id,
        externalId: 'p2',
        providerUpdatedAt: new Date(),
        contactExternalId: s.c.externalId,
        date: '2026-11-25',
        amount: '1000.0000',
        currency: 'NZD',
      },
    ]);
    s.clock.advance(14 * 86_400_000);
    const later = await s.call('GET', `/ledgers/${s.ledger.id}/forecast`);
    expect(later.body, JSON.stringify(later.body)).toMatchObject({ asOf: '2026-12-01' });
    expect(later.body.accuracy.madeOn).toBe('2026-11-17');
    expect(later.body.accuracy.weeks.slice(0, 2)).toEqual([
      { weekStart: '2026-11-16', expected: '250.0000', actual: '500.0000' },
      { weekStart: '2026-11-23', expected: '950.0000', actual: '1000.0000' },
    ]);
    expect(await fresh.database.db.select().from(forecastSnapshot)).toHaveLength(2);
    // Shown with the forecast report: |500 − 250| + |1,000 − 950| = 300 off over 1,500 received.
    const page = (await s.call('GET', `/reports/forecast?ledgerId=${s.ledger.id}`)).body;
    expect(page.note).toContain(
      'The forecast made on 2026-11-17 was off by 20% (weighted absolute error over 2 weeks).',
    );
  });

  it('raises an alert for a new invoice over the limit or for a high-risk customer, once, and sends it signed', async () => {
    const s = await setup();
    const hook = await s.call('POST', '/webhook-endpoints', { url: s.receiver.url, events: ['credit.alert'] });
    expect(hook.status).toBe(201);
    expect((await s.call('PUT', `/contacts/${s.c.id}/credit-limit`, { amount: '1000' })).status).toBe(200);
    await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-11-01',
      dueDate: '2026-12-01',
      total: '800.0000',
      amountDue: '800.0000',
    });
    const old = await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-08-01',
      dueDate: '2026-09-01',
      total: '50.0000',
      amountDue: '50.0000',
    });
    const newInvoice = await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-11-16',
      dueDate: '2026-12-16',
      total: '300.0000',
      amountDue: '300.0000',
    });
    await score(fresh.database.db, s, 'contact', s.c.id, { band: 'high' });
    const check = creditAlertsOnChange({ db: fresh.database.db, clock: s.clock, logger: s.logger });
    const change = {
      firmId: s.firm.id,
      ledgerId: s.ledger.id,
      invoiceIds: [newInvoice.id, old.id],
      contactIds: [],
      source: 'webhook' as const,
    };
    await check(change);
    await check(change);
    const alerts = await fresh.database.db.select().from(creditAlert);
    expect(alerts.map((a) => [a.invoiceId, a.kind]).sort()).toEqual(
      [
        [newInvoice.id, 'high_risk'],
        [newInvoice.id, 'over_limit'],
      ].sort(),
    );
    expect(alerts.find((a) => a.kind === 'over_limit')!.details).toEqual({
      limit: '1000.0000',
      openBefore: '850.0000',
      invoiceAmount: '300.0000',
    });
    expect(await deliverOutbound(s.outbound)).toEqual({ claimed: 2, delivered: 2 });
    for (const r of s.receiver.received) {
      const headers = {
        id: r.headers['webhook-id'] as string,
        timestamp: r.headers['webhook-timestamp'] as string,
        signature: r.headers['webhook-signature'] as string,
      };
      expect(
        await verifyStandardWebhook(hook.body.secret, r.body, headers, { now: s.clock.now(), toleranceSeconds: 300 }),
      ).toBe(true);
      expect(r.json).toMatchObject({ type: 'credit.alert', id: headers.id, data: { invoiceId: newInvoice.id } });
    }
    const listed = await s.call('GET', `/credit-alerts?ledgerId=${s.ledger.id}`);
    expect(listed.body.alerts).toHaveLength(2);
    // A customer whose account is with an agency: a new invoice for them is flagged too.
    await fresh.database.db.insert(handoff).values({
      firmId: s.firm.id,
      ledgerId: s.ledger.id,
      contactId: s.c.id,
      invoiceIds: [old.id],
      amount: '50',
      currency: 'NZD',
      status: 'sent',
    });
    const another = await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-11-17',
      dueDate: '2026-12-17',
      total: '10.0000',
      amountDue: '10.0000',
    });
    await check({ ...change, invoiceIds: [another.id] });
    expect(
      (await fresh.database.db.select().from(creditAlert).where(eq(creditAlert.invoiceId, another.id)))
        .map((a) => a.kind)
        .sort(),
    ).toEqual(['handed_off', 'high_risk', 'over_limit']);
    const credit = await s.call('GET', `/ledgers/${s.ledger.id}/credit`);
    expect(credit.body.customers[0]).toMatchObject({
      name: 'Kea Builders',
      limit: '1000.0000',
      openBalance: '1160.0000',
      overLimit: true,
      band: 'high',
      depositPercent: 50,
    });
    // A backfill reports the whole ledger: the week's new invoices are checked, older ones not.
    const backfilled = await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-11-18',
      dueDate: '2026-12-18',
      total: '20.0000',
      amountDue: '20.0000',
    });
    const before = new Set((await fresh.database.db.select().from(creditAlert)).map((a) => a.id));
    await check({ ...change, invoiceIds: [], source: 'sync', wholeLedger: true });
    const added = (await fresh.database.db.select().from(creditAlert)).filter((a) => !before.has(a.id));
    // The backfilled invoice on all three counts; the week's earlier invoice is now flagged too,
    // its customer being with an agency since; the invoice from August, nothing.
    expect(added.map((a) => [a.invoiceId, a.kind]).sort()).toEqual(
      [
        [backfilled.id, 'handed_off'],
        [backfilled.id, 'high_risk'],
        [backfilled.id, 'over_limit'],
        [newInvoice.id, 'handed_off'],
      ].sort(),
    );
  });

  it('retries outbound events with backoff under one webhook id and keeps a delivery log', async () => {
    const s = await setup([500, 503]);
    const hook = await s.call('POST', '/webhook-endpoints', {
      url: s.receiver.url,
      events: ['promise.made', 'dispute.opened'],
    });
    const inv = await makeInvoice(fresh.database.db, s.c, { dueDate: '2026-11-10' });
    await s.call('PATCH', `/invoices/${inv.id}/collection`, { promiseToPayUntil: '2026-11-30' });
    expect(await deliverOutbound(s.outbound)).toEqual({ claimed: 1, delivered: 0 });
    expect(await deliverOutbound(s.outbound)).toEqual({ claimed: 0, delivered: 0 });
    s.clock.advance(60_000);
    expect(await deliverOutbound(s.outbound)).toEqual({ claimed: 1, delivered: 0 });
    s.clock.advance(4 * 60_000);
    expect(await deliverOutbound(s.outbound)).toEqual({ claimed: 1, delivered: 1 });
    expect(new Set(s.receiver.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(s.receiver.received[0]!.json).toMatchObject({
      type: 'promise.made',
      data: { invoiceId: inv.id, promisedBy: '2026-11-30' },
    });
    const log = await s.call('GET', `/webhook-endpoints/${hook.body.id}/deliveries`);
    expect(log.body.deliveries).toEqual([
      expect.objectContaining({ type: 'promise.made', status: 'delivered', attempts: 3, lastStatus: 200 }),
    ]);
  });

  it('deleting an endpoint cancels its pending retries: nothing more is sent to it', async () => {
    const s = await setup([500, 500, 500]);
    const hook = await s.call('POST', '/webhook-endpoints', { url: s.receiver.url, events: ['promise.made'] });
    const inv = await makeInvoice(fresh.database.db, s.c, { dueDate: '2026-11-10' });
    await s.call('PATCH', `/invoices/${inv.id}/collection`, { promiseToPayUntil: '2026-11-30' });
    expect(await deliverOutbound(s.outbound)).toEqual({ claimed: 1, delivered: 0 });
    expect((await s.call('DELETE', `/webhook-endpoints/${hook.body.id}`)).status).toBe(200);
    s.clock.advance(3_600_000);
    expect(await deliverOutbound(s.outbound)).toEqual({ claimed: 0, delivered: 0 });
    expect(s.receiver.received).toHaveLength(1);
    const log = await s.call('GET', `/webhook-endpoints/${hook.body.id}/deliveries`);
    expect(log.body.deliveries).toEqual([
      expect.objectContaining({ status: 'cancelled', attempts: 1, nextAttemptAt: null, lastError: 'endpoint deleted' }),
    ]);
  });

  it('serves every report as JSON and as CSV that parses back, for a ledger and the portfolio, with pages; 404 for others', async () => {
    const s = await setup();
    await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-09-01',
      dueDate: '2026-10-01',
      total: '400.0000',
      amountDue: '400.0000',
    });
    await makeInvoice(fresh.database.db, s.c, {
      issueDate: '2026-11-01',
      dueDate: '2026-12-01',
      total: '250.0000',
      amountDue: '250.0000',
    });
    for (const name of REPORTS) {
      for (const q of [`?ledgerId=${s.ledger.id}`, '']) {
        const json = await s.call('GET', `/reports/${name}${q}`);
        expect(json.status, name).toBe(200);
        const csv = await s.app.request(`/api/v1/reports/${name}${q}${q ? '&' : '?'}format=csv`, {
          headers: { cookie: s.owner.cookie },
        });
        expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
        const table = parseCsv(await csv.text());
        expect(table[0], name).toEqual(json.body.columns);
        expect(
          table.slice(1).map((r) => r.map((v) => (v === '' ? null : v))),
          name,
        ).toEqual(json.body.rows.map((r: unknown[]) => r.map((v) => (v === null ? null : String(v)))));
      }
    }
    const aging = (await s.call('GET', `/reports/aging?ledgerId=${s.ledger.id}`)).body;
    expect(aging.rows).toEqual([['Harbour Dental', 'NZD', '250.0000', '0.0000', '400.0000', '0.0000', '0.0000']]);
    const page = await s.app.request(`/reports/aging?ledgerId=${s.ledger.id}`, { headers: { cookie: s.owner.cookie } });
    const html = await page.text();
    expect(html).toContain('<svg role="img" aria-label="Aged receivables.');
    expect(html).toContain(`/api/v1/reports/aging?format=csv&amp;ledgerId=${s.ledger.id}`);
    const creditPage = await s.app.request(`/ledgers/${s.ledger.id}/credit`, { headers: { cookie: s.owner.cookie } });
    expect(await creditPage.text()).toContain('Credit limit for Kea Builders');
    const form = await s.app.request(`/ui/contacts/${s.c.id}/credit-limit`, {
      method: 'POST',
      headers: {
        cookie: s.owner.cookie,
        origin: 'http://localhost',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `amount=2500&back=/ledgers/${s.ledger.id}/credit`,
    });
    expect(form.headers.get('location')).toBe(
      `/ledgers/${s.ledger.id}/credit?notice=${encodeURIComponent('limit set to 2500')}`,
    );
    const stranger = await signedIn(fresh.database.db, (await makeFirm(fresh.database.db)).id);
    expect(
      (await s.app.request(`/api/v1/reports/aging?ledgerId=${s.ledger.id}`, { headers: { cookie: stranger.cookie } }))
        .status,
    ).toBe(404);
    expect(
      (await s.app.request(`/api/v1/ledgers/${s.ledger.id}/forecast`, { headers: { cookie: stranger.cookie } })).status,
    ).toBe(404);
  });
});
