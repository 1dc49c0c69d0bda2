import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { verifyStandardWebhook, signStandardWebhook } from '../../webhooks/verify.ts';
import { createApp } from '../../src/app.ts';
import {
  auditLog,
  collectionState,
  handoff,
  handoffEvent,
  ledger,
  reminder,
  reminderItem,
} from '../../src/db/schema/index.ts';
import { CASE_FIELDS } from '../../src/domain/handoff/case-file.ts';
import { CASE_CSV_HEADER } from '../../src/domain/handoff/exports.ts';
import { CaseFileSchema } from '../../src/routes/case-file-schema.ts';
import { parseCsv } from '../../src/domain/risk/csv.ts';
import { captureMailer, smtpMailer } from '../../src/notify/mailer.ts';
import { deliverDueCases, MAX_DELIVERY_ATTEMPTS } from '../../src/services/handoff/deliver.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { agencyServer } from '../support/agency.ts';
import { freshDatabasePerTest } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice } from '../support/factories.ts';
import { reminderWorld, smtpSink } from '../support/reminders.ts';
import { writeLedgerNotes } from '../../src/services/ledger-notes.ts';
import { signedIn } from '../support/session.ts';

const fresh = freshDatabasePerTest();

const ALLOWED = ['debtor.name', 'debtor.legalName', 'debtor.addresses', 'invoices', 'statement'];

async function setup(opts: { statuses?: number[]; dpa?: boolean; email?: string } = {}) {
  const w = await reminderWorld(fresh.database.db);
  const server = await agencyServer(opts.statuses);
  fresh.cleanups.push(server.close);
  const deps = await testDeps(fresh.database, { clock: w.clock });
  deps.integrations = { ...deps.integrations, resolve: async () => w.stub.connector };
  const app = createApp(deps);
  const owner = await signedIn(fresh.database.db, w.firm.id, 'owner');
  const call = async (method: string, path: string, body?: unknown, cookie = owner.cookie) => {
    const res = await app.request(`/api/v1${path}`, {
      method,
      headers: { cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
      headers: res.headers,
    };
  };
  const created = await call('POST', '/agencies', {
    name: 'Kiwi Recoveries',
    delivery: opts.email ? { method: 'email', to: [opts.email] } : { method: 'webhook', url: server.url },
    commissionRate: '0.25',
    minAmount: '100',
    fieldAllowList: ALLOWED,
    dpaReference: opts.dpa === false ? null : 'DPA-2026-014',
  });
  expect(created.status).toBe(201);
  const c = await makeContact(fresh.database.db, w.ledger, {
    name: 'Kea & <Sons>',
    legalName: 'Kea & <Sons> Limited',
    phone: '+64 9 555 0100',
    addresses: [{ lines: ['1 Quay St'], city: 'Auckland', country: 'NZ' }],
  });
  const inv1 = await makeInvoice(fresh.database.db, c, {
    issueDate: '2026-08-01',
    dueDate: '2026-08-31',
    total: '800.0000',
    amountDue: '800.0000',
  });
  const inv2 = await makeInvoice(fresh.database.db, c, {
    issueDate: '2026-08-15',
    dueDate: '2026-09-14',
    total: '450.0000',
    amountDue: '450.0000',
  });
  for (const i of [inv1, inv2]) w.stub.put(i);
  await replanContacts(w.deps, [c.id]);
  const delivery = { ...w.deps, cipher: deps.cipher, mailer: captureMailer, mailFrom: 'cases@overdue.example.com' };
  return { ...w, deps, app, owner, call, server, agency: created.body, c, inv1, inv2, delivery };
}

const scheduled = async (contactId: string) =>
  (
    await fresh.database.db
      .select()
      .from(reminder)
      .where(and(eq(reminder.contactId, contactId), eq(reminder.status, 'scheduled')))
  ).length;
const audits = async (action: string) =>
  (await fresh.database.db.select().from(auditLog).where(eq(auditLog.action, action))).length;

/** Every dotted key path of a JSON value (arrays look through to their items). */
function paths(v: unknown, prefix = ''): string[] {
  if (Array.isArray(v)) return v.flatMap((x) => paths(x, prefix));
  if (v && typeof v === 'object')
    return Object.entries(v).flatMap(([k, x]) => [`${prefix}${k}`, ...paths(x, `${prefix}${k}.`)]);
  return [];
}

describe('agency hand-off', () => {
  it('rules open one case awaiting approval, never for disputed invoices or under the minimum', async () => {
    const s = await setup();
    const rule = {
      enabled: true,
      agencyId: s.agency.id,
      minDaysOverdue: 60,
      minAmount: '250',
      requireAllStepsSent: false,
      minRiskBand: null,
    };
    expect((await s.call('PUT', `/ledgers/${s.ledger.id}/handoff-rule`, rule)).status).toBe(200);
    // A second customer: one invoice disputed, one small one: nothing for them.
    const other = await makeContact(fresh.database.db, s.ledger);
    const disputed = await makeInvoice(fresh.database.db, other, {
      dueDate: '2026-08-01',
      total: '5000.0000',
      amountDue: '5000.0000',
    });
    await makeInvoice(fresh.database.db, other, { dueDate: '2026-08-01', total: '90.0000', amountDue: '90.0000' });
    await fresh.database.db.insert(collectionState).values({
      invoiceId: disputed.id,
      firmId: s.firm.id,
      ledgerId: s.ledger.id,
      disputedAt: new Date(),
      disputeReason: 'wrong goods',
    });
    expect((await s.call('POST', `/ledgers/${s.ledger.id}/handoff-rule/run`)).body).toEqual({ proposed: 1 });
    expect((await s.call('POST', `/ledgers/${s.ledger.id}/handoff-rule/run`)).body).toEqual({ proposed: 0 });
    const cases = (await s.call('GET', '/handoffs?status=pending_approval')).body.cases;
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({
      contactId: s.c.id,
      amount: '1250.0000',
      currency: 'NZD',
      origin: 'rule',
      agencyId: s.agency.id,
      approvedAt: null,
    });
    expect(cases[0].reason).toBe('2 invoices overdue (oldest 78 days), NZ$1,250.00');
    expect(cases[0].invoiceIds.sort()).toEqual([s.inv1.id, s.inv2.id].sort());

    // "All steps sent" holds the case back until the cadence's last email step went out.
    await fresh.database.db.delete(handoff);
    await s.call('PUT', `/ledgers/${s.ledger.id}/handoff-rule`, { ...rule, requireAllStepsSent: true });
    expect((await s.call('POST', `/ledgers/${s.ledger.id}/handoff-rule/run`)).body).toEqual({ proposed: 0 });
    const [r] = await fresh.database.db
      .insert(reminder)
      .values({
        firmId: s.firm.id,
        ledgerId: s.ledger.id,
        contactId: s.c.id,
        dueAt: new Date('2026-10-20T00:00:00Z'),
        status: 'sent',
        stepKey: 'post+35',
        templateKey: 'final',
      })
      .returning();
    await fresh.database.db
      .insert(reminderItem)
      .values(
        [s.inv1, s.inv2].map((i) => ({ reminderId: r!.id, invoiceId: i.id, firmId: s.firm.id, stepKey: 'post+35' })),
      );
    expect((await s.call('POST', `/ledgers/${s.ledger.id}/handoff-rule/run`)).body).toEqual({ proposed: 1 });
  });

  it('sends nothing before approval; approval needs an admin and a DPA; the agency gets only allow-listed fields, signed', async () => {
    const s = await setup({ dpa: false });
    const opened = await s.call('POST', '/handoffs', {
      contactId: s.c.id,
      agencyId: s.agency.id,
      reason: 'no reply to five reminders',
    });
    expect(opened.status).toBe(201);
    const id = opened.body.id;
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 0, failed: 0 });
    expect(s.server.received).toHaveLength(0);
    const member = await signedIn(fresh.database.db, s.firm.id, 'member');
    expect((await s.call('POST', `/handoffs/${id}/approve`, undefined, member.cookie)).status).toBe(403);
    const noDpa = await s.call('POST', `/handoffs/${id}/approve`);
    expect(noDpa.status).toBe(412);
    expect(noDpa.body.error.message).toBe(
      'Kiwi Recoveries has no data-processing agreement on file: add its reference before the first case goes to it',
    );
    await s.call('PATCH', `/agencies/${s.agency.id}`, { dpaReference: 'DPA-2026-014' });

    expect(await scheduled(s.c.id)).toBeGreaterThan(0);
    expect((await s.call('POST', `/handoffs/${id}/approve`)).body).toEqual({ id, status: 'approved' });
    expect(await scheduled(s.c.id)).toBe(0); // pending reminders for handed-off invoices are cancelled
    await writeLedgerNotes(s.delivery);
    expect(s.stub.notes.map((n) => n.id).sort()).toEqual([s.inv1.externalId, s.inv2.externalId].sort());
    expect(s.stub.notes[0]!.note).toMatch(
      /^overdue: handed to Kiwi Recoveries for collection \(case OD-[A-Z0-9]{8}\)$/,
    );
    expect(await audits('handoff.approved')).toBe(1);

    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 1, failed: 0 });
    const [req] = s.server.received;
    const headers = {
      id: req!.headers['webhook-id'] as string,
      timestamp: req!.headers['webhook-timestamp'] as string,
      signature: req!.headers['webhook-signature'] as string,
    };
    expect(
      await verifyStandardWebhook(s.agency.secret, req!.body, headers, { now: s.clock.now(), toleranceSeconds: 300 }),
    ).toBe(true);
    expect(
      await verifyStandardWebhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, req!.body, headers, {
        now: s.clock.now(),
        toleranceSeconds: 300,
      }),
    ).toBe(false);
    expect(req!.json.type).toBe('case.created');
    const core = [
      'caseId',
      'reference',
      'amount',
      'currency',
      'approvedAt',
      'creditor',
      'creditor.name',
      'creditor.legalName',
      'creditor.country',
    ];
    const statement = [
      'statement.itemisedFrom',
      'statement.asOf',
      'statement.lines',
      'statement.balance',
      ...['date', 'kind', 'reference', 'debit', 'credit', 'balance'].map((k) => `statement.lines.${k}`),
    ];
    const invoiceKeys = ['number', 'issueDate', 'dueDate', 'total', 'paid', 'credited', 'due', 'daysOverdue'].map(
      (k) => `invoices.${k}`,
    );
    const debtor = [
      'debtor',
      'debtor.name',
      'debtor.legalName',
      'debtor.addresses',
      ...['lines', 'city', 'country'].map((k) => `debtor.addresses.${k}`),
    ];
    expect(new Set(paths(req!.json.data))).toEqual(
      new Set([...core, ...debtor, 'invoices', ...invoiceKeys, 'statement', ...statement]),
    );
    expect(JSON.stringify(req!.json)).not.toContain('+64 9 555 0100'); // phones are not allow-listed
    expect(req!.json.data).toMatchObject({
      amount: '1250.0000',
      statement: { balance: '1250.00', itemisedFrom: '2026-08-01' },
    });
    const after = (await s.call('GET', `/handoffs/${id}`)).body;
    expect(after).toMatchObject({ status: 'sent', delivery: { attempts: 1, nextAttemptAt: null, lastError: null } });
  });

  it('never hands off a disputed invoice', async () => {
    const s = await setup();
    await s.call('PATCH', `/invoices/${s.inv2.id}/collection`, { dispute: { reason: 'short delivery' } });
    const refused = await s.call('POST', '/handoffs', {
      contactId: s.c.id,
      invoiceIds: [s.inv1.id, s.inv2.id],
      agencyId: s.agency.id,
    });
    expect(refused.status).toBe(412);
    expect(refused.body.error.message).toBe(
      `invoice ${s.inv2.number} is disputed: disputed invoices are never handed off`,
    );
    // Disputed after the case was opened: approval refuses, in bulk too, and nothing leaves.
    await s.call('PATCH', `/invoices/${s.inv2.id}/collection`, { dispute: null });
    const opened = await s.call('POST', '/handoffs', { contactId: s.c.id, agencyId: s.agency.id });
    await s.call('PATCH', `/invoices/${s.inv1.id}/collection`, { dispute: { reason: 'price' } });
    const bulk = await s.call('POST', '/handoffs/approve', { ids: [opened.body.id] });
    expect(bulk.body.results).toEqual([
      {
        id: opened.body.id,
        status: 'refused',
        error: {
          code: 'precondition_failed',
          message: `invoice ${s.inv1.number} is disputed: disputed invoices are never handed off`,
        },
      },
    ]);
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 0, failed: 0 });
  });

  it('retries a failing agency with backoff under one webhook id, and gives up for a person to resend', async () => {
    const s = await setup({ statuses: [500, 503] });
    const id = (await s.call('POST', '/handoffs', { contactId: s.c.id, agencyId: s.agency.id })).body.id;
    await s.call('POST', `/handoffs/${id}/approve`);
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 0, failed: 1 });
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 0, failed: 0 }); // not due yet
    s.clock.advance(60_000);
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 0, failed: 1 });
    s.clock.advance(4 * 60_000);
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 1, failed: 0 });
    expect(new Set(s.server.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([`case-${id}-created`]));
    const kinds = (await fresh.database.db.select().from(handoffEvent).where(eq(handoffEvent.handoffId, id))).map(
      (e) => e.kind,
    );
    expect(kinds).toEqual(['proposed', 'approved', 'delivery_retry', 'delivery_retry', 'delivered']);

    const c2 = await makeContact(fresh.database.db, s.ledger);
    await makeInvoice(fresh.database.db, c2, { dueDate: '2026-08-01', total: '300.0000', amountDue: '300.0000' });
    const id2 = (await s.call('POST', '/handoffs', { contactId: c2.id, agencyId: s.agency.id })).body.id;
    await s.call('POST', `/handoffs/${id2}/approve`);
    s.server.fail(...Array(MAX_DELIVERY_ATTEMPTS).fill(500));
    for (let k = 0; k < MAX_DELIVERY_ATTEMPTS; k++) {
      await deliverDueCases(s.delivery);
      s.clock.advance(5 * 3600_000);
    }
    const gaveUp = (await s.call('GET', `/handoffs/${id2}`)).body;
    expect(gaveUp).toMatchObject({
      status: 'pending_approval',
      delivery: {
        attempts: MAX_DELIVERY_ATTEMPTS,
        nextAttemptAt: null,
        lastError: `gave up after ${MAX_DELIVERY_ATTEMPTS} attempts: agency answered HTTP 500`,
      },
    });
    await s.call('POST', `/handoffs/${id2}/redeliver`);
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 1, failed: 0 });
  });

  it('takes signed status callbacks (bad signature 401), tracks recovery and commission, and dedupes retries', async () => {
    const s = await setup();
    const opened = (await s.call('POST', '/handoffs', { contactId: s.c.id, agencyId: s.agency.id })).body;
    await s.call('POST', `/handoffs/${opened.id}/approve`);
    await deliverDueCases(s.delivery);
    const send = async (
      webhookId: string,
      data: Record<string, unknown>,
      secret = s.agency.secret,
      at = s.clock.now(),
    ) => {
      const body = new TextEncoder().encode(JSON.stringify({ type: 'case.status', data }));
      const headers = await signStandardWebhook(secret, webhookId, body, at);
      const res = await s.app.request(`/agency/callbacks/${s.agency.id}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      return { status: res.status, body: await res.json() };
    };
    const forged = await send(
      'cb-0',
      { caseId: opened.id, status: 'recovered', recoveredAmount: '1250' },
      `whsec_${Buffer.alloc(32, 9).toString('base64')}`,
    );
    expect(forged.status).toBe(401);
    expect(
      (
        await send(
          'cb-0',
          { caseId: opened.id, status: 'acknowledged' },
          undefined,
          new Date(s.clock.now().getTime() - 600_000),
        )
      ).status,
    ).toBe(401);
    expect((await s.call('GET', `/handoffs/${opened.id}`)).body.status).toBe('sent');

    expect(
      (await send('cb-1', { caseId: opened.reference, status: 'acknowledged', agencyRef: 'KR-99812' })).body,
    ).toMatchObject({ ok: true, status: 'acknowledged', duplicate: false });
    expect(
      (await send('cb-1', { caseId: opened.reference, status: 'acknowledged', agencyRef: 'KR-99812' })).body,
    ).toMatchObject({ duplicate: true });
    expect((await send('cb-2', { caseId: opened.id, status: 'collecting', recoveredAmount: '300.00' })).status).toBe(
      200,
    );
    expect((await send('cb-3', { caseId: opened.id, status: 'recovered', recoveredAmount: '1250.00' })).status).toBe(
      200,
    );
    expect((await send('cb-4', { caseId: opened.id, status: 'collecting' })).status).toBe(409);
    expect((await send('cb-5', { caseId: opened.id, status: 'paid-in-full' })).status).toBe(400);
    const done = (await s.call('GET', `/handoffs/${opened.id}`)).body;
    expect(done).toMatchObject({
      status: 'recovered',
      recoveredAmount: '1250.0000',
      commissionAmount: '312.5000',
      agencyRef: 'KR-99812',
    });
    expect(done.events.filter((e: { kind: string }) => e.kind === 'status')).toHaveLength(3);
    expect((await send('cb-6', { caseId: 'OD-NOTACASE', status: 'closed' })).status).toBe(404);
  });

  it('recall returns the invoices to normal handling: reminders resume, agency told, ledger noted, audited', async () => {
    const s = await setup();
    const id = (await s.call('POST', '/handoffs', { contactId: s.c.id, agencyId: s.agency.id })).body.id;
    await s.call('POST', `/handoffs/${id}/approve`);
    await deliverDueCases(s.delivery);
    expect(await scheduled(s.c.id)).toBe(0);
    const recalled = await s.call('POST', `/handoffs/${id}/recall`, { reason: 'customer called to pay' });
    expect(recalled.body.status).toBe('recalled');
    expect(await scheduled(s.c.id)).toBeGreaterThan(0);
    const states = await fresh.database.db
      .select()
      .from(collectionState)
      .where(eq(collectionState.ledgerId, s.ledger.id));
    expect(states.every((st) => st.handedOffAt === null)).toBe(true);
    expect(s.server.received.map((r) => r.json.type)).toEqual(['case.created', 'case.recalled']);
    await writeLedgerNotes(s.delivery);
    expect(s.stub.notes.at(-1)!.note).toContain('recalled from the agency; reminders resume');
    expect(await audits('handoff.recalled')).toBe(1);
    expect((await s.call('POST', `/handoffs/${id}/recall`, {})).status).toBe(409);
  });

  it('names the agency and the data-processing agreement on every audit row of a case', async () => {
    const s = await setup();
    await s.call('PATCH', `/agencies/${s.agency.id}`, { dpaReference: 'DPA-2026-014' });
    const id = (await s.call('POST', '/handoffs', { contactId: s.c.id, agencyId: s.agency.id })).body.id;
    await s.call('POST', `/handoffs/${id}/approve`);
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 1, failed: 0 });
    await s.call('GET', `/handoffs/${id}/export?format=json`);
    await s.call('POST', `/handoffs/${id}/recall`, { reason: 'paid in full' });
    const rows = await fresh.database.db
      .select({ action: auditLog.action, data: auditLog.data })
      .from(auditLog)
      .where(and(eq(auditLog.subjectType, 'handoff'), eq(auditLog.subjectId, id)));
    expect(rows.map((r) => r.action).sort()).toEqual(
      ['handoff.approved', 'handoff.delivered', 'handoff.exported', 'handoff.recalled'].sort(),
    );
    for (const r of rows)
      expect(r.data, r.action).toMatchObject({
        agencyId: s.agency.id,
        agencyName: 'Kiwi Recoveries',
        dpaReference: 'DPA-2026-014',
      });
    // What left, and by which way: the fields shared and the delivery method.
    expect(rows.find((r) => r.action === 'handoff.delivered')!.data).toMatchObject({
      method: 'webhook',
      fields: expect.any(Array),
    });
  });

  it('exports the case file as JSON, CSV that parses back, and an escaped printable statement; each audited; 404 elsewhere', async () => {
    const s = await setup();
    await fresh.database.db.update(ledger).set({ name: 'Harbour Dental' }).where(eq(ledger.id, s.ledger.id));
    const id = (await s.call('POST', '/handoffs', { contactId: s.c.id, agencyId: s.agency.id })).body.id;
    expect((await s.call('GET', `/handoffs/${id}/export`)).status).toBe(412);
    await s.call('POST', `/handoffs/${id}/approve`);
    const json = await s.call('GET', `/handoffs/${id}/export?format=json`);
    // The export is what the contract says a case file is, field for field.
    expect(CaseFileSchema.safeParse(json.body).error?.issues ?? []).toEqual([]);
    expect(json.body.debtor).toEqual({
      name: 'Kea & <Sons>',
      legalName: 'Kea & <Sons> Limited',
      addresses: [{ lines: ['1 Quay St'], city: 'Auckland', country: 'NZ' }],
    });
    const csv = await s.call('GET', `/handoffs/${id}/export?format=csv`);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="OD-[A-Z0-9]{8}\.csv"$/);
    const table = parseCsv(csv.body as string);
    expect(table[0]).toEqual([...CASE_CSV_HEADER]);
    expect(table.slice(1).map((r) => [r[3], r[4], r[6], r[8]])).toEqual([
      ['invoice', s.inv1.number, '800.00', '800.00'],
      ['invoice', s.inv2.number, '450.00', '1250.00'],
    ]);
    const page = await s.call('GET', `/handoffs/${id}/export?format=html`);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    expect(page.body).toContain('Kea &amp; &lt;Sons&gt; Limited');
    expect(page.body).not.toContain('<Sons>');
    expect(page.body).toContain('NZ$1,250.00');
    expect(await audits('handoff.exported')).toBe(3);

    const stranger = await signedIn(fresh.database.db, (await makeFirm(fresh.database.db)).id);
    for (const [method, path] of [
      ['GET', `/handoffs/${id}`],
      ['GET', `/handoffs/${id}/export`],
      ['POST', `/handoffs/${id}/recall`],
      ['POST', `/handoffs/${id}/approve`],
      ['PATCH', `/agencies/${s.agency.id}`],
    ] as const) {
      const res = await s.call(method, path, method === 'GET' ? undefined : {}, stranger.cookie);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await s.call('GET', '/handoffs', undefined, stranger.cookie)).body.cases).toEqual([]);
    expect((await s.call('GET', '/agencies', undefined, stranger.cookie)).body.agencies).toEqual([]);
  });

  it('delivers to an email agency with the case file attached', async () => {
    const sink = await smtpSink();
    fresh.cleanups.push(sink.close);
    const s = await setup({ email: 'cases@kiwirecoveries.example' });
    const id = (await s.call('POST', '/handoffs', { contactId: s.c.id, agencyId: s.agency.id })).body.id;
    await s.call('POST', `/handoffs/${id}/approve`);
    expect(await deliverDueCases({ ...s.delivery, mailer: smtpMailer(sink.url) })).toEqual({ delivered: 1, failed: 0 });
    const [mail] = sink.received;
    expect(mail!.envelopeTo).toEqual(['cases@kiwirecoveries.example']);
    expect(mail!.subject).toMatch(/^New collection case OD-[A-Z0-9]{8}: Kea & <Sons> Limited, NZ\$1,250\.00$/);
    expect(mail!.attachments.map((a) => a.contentType).sort()).toEqual(['application/json', 'text/csv', 'text/html']);
    const file = JSON.parse(
      mail!.attachments.find((a) => a.contentType === 'application/json')!.content.toString('utf8'),
    );
    expect(Object.keys(file.debtor).sort()).toEqual(['addresses', 'legalName', 'name']);
    void CASE_FIELDS;
  });
});
