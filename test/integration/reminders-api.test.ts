import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { contactState, invoice, optOutLink, reminder } from '../../src/db/schema/index.ts';
import { sha256 } from '../../src/lib/secrets.ts';
import { captureMailer, type Mailer } from '../../src/notify/mailer.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { signedIn } from '../support/session.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function setup(opts: { safeMode?: boolean; mailer?: Mailer } = {}) {
  const w = await reminderWorld(database.db, opts);
  const app = createApp(await testDeps(database, { clock: w.clock }));
  const user = await signedIn(database.db, w.firm.id);
  const c = await makeContact(database.db, w.ledger, { name: 'Kea & <Sons>' });
  const inv = await makeInvoice(database.db, c, { dueDate: '2026-11-20' });
  w.stub.put(inv);
  await replanContacts(w.deps, [c.id]);
  const call = (method: string, path: string, body?: unknown) =>
    app.request(`/api/v1${path}`, {
      method,
      headers: { cookie: user.cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  return { ...w, app, user, c, inv, call };
}

it('safe mode: lists reminders awaiting approval, previews them escaped, and approves a ledger in bulk', async () => {
  const s = await setup({ safeMode: true });
  const waiting = await (await s.call('GET', '/reminders?status=awaiting_approval')).json();
  expect(waiting.reminders).toHaveLength(1);
  expect(waiting.reminders[0]).toMatchObject({
    contactName: 'Kea & <Sons>',
    stepKey: 'pre-3',
    invoices: [expect.objectContaining({ number: s.inv.number })],
  });
  const preview = await (await s.call('GET', `/reminders/${waiting.reminders[0].id}/preview`)).json();
  expect(preview.html).toContain('Kea &amp; &lt;Sons&gt;');
  expect(preview.text).toContain('Kea & <Sons>');
  expect(await (await s.call('POST', '/reminders/approve', { ledgerId: s.ledger.id })).json()).toEqual({ approved: 1 });
  expect(await tick(s.deps)).toMatchObject({ sent: 1 });
  const log = await (await s.call('GET', `/messages?contactId=${s.c.id}`)).json();
  expect(log.messages[0]).toMatchObject({ status: 'captured', to: [s.c.email] });
});

it('a dispute stops the invoice’s reminders; clearing it resumes them; other firms get 404', async () => {
  const s = await setup();
  const res = await s.call('PATCH', `/invoices/${s.inv.id}/collection`, { dispute: { reason: 'goods returned' } });
  expect(await res.json()).toMatchObject({ disputed: true, disputeReason: 'goods returned' });
  expect(await database.db.select().from(reminder).where(eq(reminder.contactId, s.c.id))).toHaveLength(0);
  await s.call('PATCH', `/invoices/${s.inv.id}/collection`, { dispute: null, promiseToPayUntil: '2026-11-28' });
  const [r] = await database.db.select().from(reminder).where(eq(reminder.contactId, s.c.id));
  expect(r!.dueAt.getTime()).toBeGreaterThan(Date.parse('2026-11-28T11:00:00Z'));
  expect((await s.call('PATCH', `/invoices/${s.inv.id}/collection`, { promiseToPayUntil: '28/11/2026' })).status).toBe(
    400,
  );
  const other = await signedIn(database.db, (await makeFirm(database.db)).id);
  const foreign = await s.app.request(`/api/v1/invoices/${s.inv.id}/collection`, {
    method: 'PATCH',
    headers: { cookie: other.cookie, 'content-type': 'application/json' },
    body: JSON.stringify({ excluded: true }),
  });
  expect(foreign.status).toBe(404);
});

it('the opt-out link confirms on GET, opts out on POST, and stops every reminder', async () => {
  const links: string[] = [];
  const mailer: Mailer = {
    kind: 'capture',
    send: async (m) => {
      links.push(new URL(m.unsubscribeUrl!).pathname);
      return captureMailer.send(m);
    },
  };
  const s = await setup({ mailer });
  expect(await tick(s.deps)).toMatchObject({ sent: 1 });
  const link = links[0]!;
  const token = link.split('/').at(-1)!;
  // Only the digest is stored: the database alone opens no link.
  const stored = await database.db.select().from(optOutLink);
  expect(stored).toEqual([expect.objectContaining({ contactId: s.c.id, digest: sha256(token) })]);
  expect(JSON.stringify(await database.db.select().from(contactState))).not.toContain(token);
  const page = await s.app.request(link);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<form method="post">');
  expect(
    (await database.db.select().from(contactState).where(eq(contactState.contactId, s.c.id)))[0]?.optedOutAt ?? null,
  ).toBeNull();
  expect((await s.app.request(link, { method: 'POST' })).status).toBe(200);
  expect(
    (await database.db.select().from(contactState).where(eq(contactState.contactId, s.c.id)))[0]!.optedOutAt,
  ).not.toBeNull();
  const pending = await database.db.select().from(reminder).where(eq(reminder.contactId, s.c.id));
  expect(pending.filter((r) => r.status === 'scheduled')).toHaveLength(0);
  expect((await s.app.request('/unsubscribe/not-a-real-token-0123456789', { method: 'POST' })).status).toBe(404);
  // The same link again (a second click, a mail client's one-click POST) finds the contact still out.
  expect((await s.app.request(link, { method: 'POST' })).status).toBe(200);
});

it('pauses a contact through the API, and template preview rejects unknown placeholders', async () => {
  const s = await setup();
  const until = '2026-12-01T00:00:00Z';
  expect((await s.call('PATCH', `/contacts/${s.c.id}/collection`, { pausedUntil: until })).status).toBe(200);
  const [r] = await database.db.select().from(reminder).where(eq(reminder.contactId, s.c.id));
  expect(r!.dueAt.getTime()).toBeGreaterThanOrEqual(Date.parse(until));
  const bad = await s.call('POST', '/templates/preview', {
    template: { subject: 'Hi {{contact_nmae}}', body: 'Pay {{amount_due}}' },
  });
  expect(bad.status).toBe(400);
  expect((await bad.json()).error.issues[0].message).toBe('unknown placeholder {{contact_nmae}}');
  const ok = await (
    await s.call('POST', '/templates/preview', { template: 'final', contactName: '<b>Bold</b>' })
  ).json();
  expect(ok.html).toContain('&lt;b&gt;Bold&lt;/b&gt;');
  expect(ok.text).toContain('Overdue:');
  expect(ok.text).toContain('Coming up:');
});

it('a firm default policy and a per-contact assignment decide the steps', async () => {
  const s = await setup();
  const created = await s.call('POST', '/policies', {
    name: 'Two-step',
    isDefault: true,
    steps: [
      { key: 'due', offsetDays: 0, tone: 'neutral', template: 'neutral' },
      { key: 'late', offsetDays: 7, tone: 'final', template: 'final' },
    ],
  });
  expect(created.status).toBe(201);
  await replanContacts(s.deps, [s.c.id]);
  expect((await database.db.select().from(reminder).where(eq(reminder.contactId, s.c.id)))[0]!.stepKey).toBe('due');
  const quick = await (
    await s.call('POST', '/policies', {
      name: 'Quick',
      steps: [{ key: 'quick', offsetDays: -1, tone: 'friendly', template: 'friendly' }],
    })
  ).json();
  expect((await s.call('PATCH', `/contacts/${s.c.id}/collection`, { policyId: quick.id })).status).toBe(200);
  expect((await database.db.select().from(reminder).where(eq(reminder.contactId, s.c.id)))[0]!.stepKey).toBe('quick');
  expect(
    (await s.call('PATCH', `/contacts/${s.c.id}/collection`, { policyId: '00000000-0000-4000-8000-000000000000' }))
      .status,
  ).toBe(404);
  const invalid = await s.call('POST', '/policies', {
    name: 'Bad',
    steps: [{ key: 'a', offsetDays: 3, tone: 'firm', template: 'nope' }],
  });
  expect(invalid.status).toBe(400);
  // Early mornings and Sunday breakfasts are not for debt collection, whatever a policy says.
  const dawn = await s.call('POST', '/policies', {
    name: 'Dawn',
    steps: [{ key: 'a', offsetDays: 3, tone: 'firm', template: 'firm' }],
    sendWindow: { weekdays: ['06:00', '18:00'], weekends: ['07:00', '12:00'], skipHolidays: true },
  });
  expect(dawn.status).toBe(400);
  expect(JSON.stringify(await dawn.json())).toContain('weekdays sends must fall between 08:00 and 21:00');
});

it('reports per step how many reminded invoices were paid within 7 days', async () => {
  const s = await setup();
  expect(await tick(s.deps)).toMatchObject({ sent: 1 });
  await database.db
    .update(invoice)
    .set({ status: 'paid', amountDue: '0', paidAt: new Date('2026-11-19T00:00:00Z') })
    .where(eq(invoice.id, s.inv.id));
  const other = await makeInvoice(database.db, s.c, { dueDate: '2026-11-20' });
  void other;
  const res = await (await s.call('GET', `/reminders/effectiveness?ledgerId=${s.ledger.id}`)).json();
  expect(res.steps).toEqual([{ step: 'pre-3', reminded: 1, paidWithin7Days: 1, rate: 1 }]);
});

it('shows captured messages on the outbox page, escaped, to signed-in users only', async () => {
  const s = await setup();
  expect(await tick(s.deps)).toMatchObject({ sent: 1 });
  const page = await s.app.request('/outbox', { headers: { cookie: s.user.cookie } });
  expect(page.status).toBe(200);
  const body = await page.text();
  expect(body).toContain(`Invoice ${s.inv.number} from Harbour Dental Limited`);
  expect(body).toContain('<b>captured</b>');
  expect(body).toContain('Kea &amp; &lt;Sons&gt;');
  expect(body).not.toContain('<Sons>');
  const anonymous = await s.app.request('/outbox');
  expect(anonymous.status).toBe(303);
  expect(anonymous.headers.get('location')).toBe('/signin?next=%2Foutbox');
  const other = await signedIn(database.db, (await makeFirm(database.db)).id);
  expect(await (await s.app.request('/outbox', { headers: { cookie: other.cookie } })).text()).toContain(
    'No messages yet.',
  );
});
