import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { auditLog, reminder } from '../../src/db/schema/index.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice, makeReminder } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { signedIn } from '../support/session.ts';

/**
 * Reviewing the approval queue at scale (safe mode): turn reminders down with a reason, and the
 * cadence moves on instead of proposing the same message again; approve a whole ledger at once.
 */
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function setup() {
  const w = await reminderWorld(database.db, { safeMode: true });
  const app = createApp(await testDeps(database, { clock: w.clock }));
  const user = await signedIn(database.db, w.firm.id, 'admin');
  const viewer = await signedIn(database.db, w.firm.id, 'viewer');
  const contacts = [];
  for (const name of ['Kea Builders', 'Ruru & Co']) {
    const c = await makeContact(database.db, w.ledger, { name });
    w.stub.put(await makeInvoice(database.db, c, { dueDate: '2026-11-20' }));
    contacts.push(c);
  }
  await replanContacts(
    w.deps,
    contacts.map((c) => c.id),
  );
  const waiting = async () =>
    database.db
      .select()
      .from(reminder)
      .where(and(eq(reminder.ledgerId, w.ledger.id), eq(reminder.status, 'awaiting_approval')));
  const api = (body: unknown, cookie = user.cookie) =>
    app.request('/api/v1/reminders/reject', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const form = (path: string, body: Record<string, string | string[]>) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) for (const x of [v].flat()) params.append(k, x);
    return app.request(path, {
      method: 'POST',
      headers: { cookie: user.cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
      body: params.toString(),
    });
  };
  return { ...w, app, user, viewer, contacts, waiting, api, form };
}

describe('reviewing the approval queue', () => {
  it('a rejected reminder is not sent, says why, and its step is not proposed again', async () => {
    const s = await setup();
    const [first] = await s.waiting();
    const res = await s.api({ ids: [first!.id], reason: 'paid by cheque, not yet banked' });
    expect(await res.json()).toEqual({ rejected: 1 });
    const [row] = await database.db.select().from(reminder).where(eq(reminder.id, first!.id));
    expect(row).toMatchObject({ status: 'skipped', statusReason: 'rejected: paid by cheque, not yet banked' });
    const [logged] = await database.db.select().from(auditLog).where(eq(auditLog.action, 'reminders.reject'));
    expect(logged!.data).toMatchObject({ count: 1, reason: 'paid by cheque, not yet banked' });
    // Replanning proposes the next step for that customer, never the rejected one again.
    await replanContacts(s.deps, [first!.contactId]);
    const again = (await s.waiting()).filter((r) => r.contactId === first!.contactId);
    expect(again.map((r) => r.stepKey)).not.toContain(first!.stepKey);
    // Only what waits can be rejected; a reason is required; viewers cannot.
    expect(await (await s.api({ ids: [first!.id], reason: 'again' })).json()).toEqual({ rejected: 0 });
    expect((await s.api({ ids: [first!.id] })).status).toBe(400);
    expect((await s.api({ ids: [first!.id], reason: 'x' }, s.viewer.cookie)).status).toBe(403);
  });

  it('the dashboard: reject selected with a reason, or approve a whole ledger at once', async () => {
    const s = await setup();
    const page = await (await s.app.request('/', { headers: { cookie: s.user.cookie } })).text();
    expect(page).toContain('formaction="/ui/reminders/reject"');
    expect(page).toContain('Approve all waiting for Harbour Dental');
    const [one, two] = await s.waiting();
    const noReason = await s.form('/ui/reminders/reject', { ids: one!.id });
    expect(decodeURIComponent(noReason.headers.get('location') ?? '')).toContain(
      'error=say why these reminders should not go',
    );
    const rejected = await s.form('/ui/reminders/reject', { ids: one!.id, reason: 'customer on holiday' });
    expect(decodeURIComponent(rejected.headers.get('location') ?? '')).toContain('notice=1 reminder rejected');
    const all = await s.form('/ui/reminders/approve', { ledgerId: s.ledger.id });
    expect(decodeURIComponent(all.headers.get('location') ?? '')).toContain('notice=1 reminder approved');
    expect(await s.waiting()).toEqual([]);
    const [approved] = await database.db.select().from(reminder).where(eq(reminder.id, two!.id));
    expect(approved!.status).toBe('scheduled');
    const bad = await s.form('/ui/reminders/approve', { ledgerId: 'nope' });
    expect(decodeURIComponent(bad.headers.get('location') ?? '')).toContain('error=no such ledger');
  });

  it('a queued reminder opens in full before it is approved; approving it there goes back to it', async () => {
    const s = await setup();
    const [one] = await s.waiting();
    const queue = await (await s.app.request('/', { headers: { cookie: s.user.cookie } })).text();
    expect(queue).toContain(`href="/reminders/${one!.id}"`);
    const page = async (cookie = s.user.cookie) => s.app.request(`/reminders/${one!.id}`, { headers: { cookie } });
    const html = await (await page()).text();
    expect(html).toContain('The message, as it would go now');
    expect(html).toMatch(/<b>Subject<\/b> [^<]+/);
    expect(html).toContain('<pre class="preview">');
    expect(html).toContain('Approve this reminder');
    const approved = await s.form('/ui/reminders/approve', { ids: one!.id, back: `/reminders/${one!.id}` });
    expect(approved.headers.get('location')).toMatch(new RegExp(`^/reminders/${one!.id}\\?notice=`));
    expect(await (await page()).text()).not.toContain('Approve this reminder');
    // Another firm's person finds nothing.
    const stranger = await signedIn(database.db, (await makeFirm(database.db)).id);
    expect((await page(stranger.cookie)).status).toBe(404);
  });

  it('the approval queue pages past 200 reminders', async () => {
    const s = await setup();
    const c = s.contacts[0]!;
    for (let k = 0; k < 200; k++)
      await makeReminder(database.db, c, { dueAt: new Date(Date.UTC(2026, 10, 21, 0, k)), stepKey: `post+${k}` });
    const first = await (await s.app.request('/', { headers: { cookie: s.user.cookie } })).text();
    expect(first).toContain('Reminders 1–200 waiting');
    expect(first).toContain('href="/?approvals=200#approvals">Next</a>');
    const second = await (await s.app.request('/?approvals=200', { headers: { cookie: s.user.cookie } })).text();
    expect(second).toContain('Reminders 201–202 waiting');
    expect(second).toContain('href="/?approvals=0#approvals">Previous</a>');
    expect(second).not.toContain('>Next</a>');
  });
});
