import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { agency, handoff, membershipLedger } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice, makeLedger, makeReminder } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

/** One ledger of the firm with a customer, an overdue invoice, a reminder and a case. */
async function ledgerWith(firmId: string, name: string, agencyId: string) {
  const db = database.db;
  const l = await makeLedger(db, firmId, { name: `${name} Ledger`, externalId: `ext-${name}` });
  const c = await makeContact(db, l, { name: `${name} Customer` });
  const inv = await makeInvoice(db, c, { dueDate: '2026-08-01', number: `INV-${name.toUpperCase()}` });
  const r = await makeReminder(db, c);
  const [h] = await db
    .insert(handoff)
    .values({
      firmId,
      ledgerId: l.id,
      contactId: c.id,
      agencyId,
      invoiceIds: [inv.id],
      amount: '115',
      currency: 'NZD',
      reference: `OD-${name.toUpperCase().padEnd(8, 'X').slice(0, 8)}`,
    })
    .returning();
  return { l, c, inv, r, h: h!, names: [`${name} Ledger`, `${name} Customer`, `INV-${name.toUpperCase()}`] };
}

it('a member assigned to some ledgers reads nothing of the others: their ids answer 404, lists leave them out', async () => {
  const app = createApp(await testDeps(database));
  const f = await makeFirm(database.db, 'Harbour Books');
  const [a] = await database.db
    .insert(agency)
    .values({ firmId: f.id, name: 'Kiwi Recoveries', delivery: { method: 'email', to: ['a@agency.example'] } })
    .returning();
  const seen = await ledgerWith(f.id, 'Seen', a!.id);
  const hidden = await ledgerWith(f.id, 'Hidden', a!.id);
  const member = await signedIn(database.db, f.id, 'member');
  await database.db.insert(membershipLedger).values({ firmId: f.id, userId: member.userId, ledgerId: seen.l.id });

  const doc = (await (await app.request('/api/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, unknown>>;
  };
  const idOf = (w: typeof seen, path: string) =>
    ({ ledgers: w.l.id, contacts: w.c.id, invoices: w.inv.id, reminders: w.r.id, handoffs: w.h.id })[
      path.split('/')[3]!
    ];
  const secrets = [hidden.l.id, hidden.c.id, hidden.inv.id, hidden.r.id, hidden.h.id, ...hidden.names];
  const leaks: string[] = [];
  let walked = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/') || !item.get) continue;
    const hiddenId = path.includes('{id}') ? idOf(hidden, path) : undefined;
    if (path.includes('{id}') && !hiddenId) continue; // a firm-wide resource (agency, endpoint, member)
    const url = path.replace('{id}', hiddenId ?? '').replace('{name}', 'aging');
    const res = await app.request(url, { headers: { cookie: member.cookie } });
    const text = await res.text();
    walked++;
    if (hiddenId && res.status !== 404) leaks.push(`GET ${path} answered ${res.status}`);
    for (const s of secrets) if (text.includes(s)) leaks.push(`GET ${path} shows ${s}`);
    // The member's own ledger is readable through the same route.
    if (hiddenId) {
      const own = await app.request(path.replace('{id}', idOf(seen, path)!), { headers: { cookie: member.cookie } });
      if (own.status === 403 || own.status === 404)
        leaks.push(`GET ${path} refuses the member's own ledger (${own.status})`);
    }
  }
  expect(walked).toBeGreaterThan(15);
  expect(leaks).toEqual([]);
  // The dashboard too: pages of the other ledgers are 404, lists show only the member's.
  for (const path of [`/customers/${hidden.c.id}`, `/ledgers/${hidden.l.id}`, `/ledgers/${hidden.l.id}/credit`])
    expect((await app.request(path, { headers: { cookie: member.cookie } })).status, path).toBe(404);
  expect((await app.request(`/customers/${seen.c.id}`, { headers: { cookie: member.cookie } })).status).toBe(200);
  for (const path of ['/', '/outbox', '/reports', '/reports/aging', '/connections']) {
    const page = await (await app.request(path, { headers: { cookie: member.cookie } })).text();
    for (const s of secrets) expect(page, `${path} shows ${s}`).not.toContain(s);
  }
  expect(await (await app.request('/', { headers: { cookie: member.cookie } })).text()).toContain('Seen Ledger');
});
