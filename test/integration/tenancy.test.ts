import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import {
  agency,
  collectionState,
  connection,
  contactState,
  handoff,
  invite,
  ledger,
  reminder,
  webhookEndpoint,
} from '../../src/db/schema/index.ts';
import { createApiToken } from '../../src/services/sessions.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice, makeLedger, makeReminder } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

/** Firm A with one of everything the API can name by id. */
async function firmA() {
  const db = database.db;
  const f = await makeFirm(db, 'Alpha Books');
  const owner = await signedIn(db, f.id, 'owner');
  const [conn] = await db
    .insert(connection)
    .values({ firmId: f.id, provider: 'xero', externalId: 'grant-a' })
    .returning();
  const l = await makeLedger(db, f.id, { externalId: randomUUID(), name: 'Alpha Ledger', connectionId: conn!.id });
  const c = await makeContact(db, l, { name: 'Alpha Customer' });
  const inv = await makeInvoice(db, c, { dueDate: '2026-08-01' });
  const r = await makeReminder(db, c);
  const [a] = await db
    .insert(agency)
    .values({
      firmId: f.id,
      name: 'Alpha Agency',
      delivery: { method: 'email', to: ['a@agency.example'] },
      dpaReference: 'DPA-A',
    })
    .returning();
  const [h] = await db
    .insert(handoff)
    .values({
      firmId: f.id,
      ledgerId: l.id,
      contactId: c.id,
      agencyId: a!.id,
      invoiceIds: [inv.id],
      amount: '115',
      currency: 'NZD',
      reference: 'OD-ALPHA001',
    })
    .returning();
  const [i] = await db
    .insert(invite)
    .values({
      firmId: f.id,
      email: 'x@alpha.example',
      role: 'member',
      tokenHash: 'h-alpha',
      expiresAt: new Date('2027-01-01T00:00:00Z'),
    })
    .returning();
  const token = await createApiToken(db, f.id, 'alpha', ['admin']);
  const [e] = await db
    .insert(webhookEndpoint)
    .values({ firmId: f.id, url: 'https://alpha.example/hook', secret: 'x', events: ['reminder.sent'] })
    .returning();
  return { f, owner, conn: conn!, l, c, inv, r, a: a!, h: h!, i: i!, token, endpoint: e!.id };
}

/** Real ids of firm A for each resource an API path names. */
function idFor(path: string, A: Awaited<ReturnType<typeof firmA>>): string {
  const seg = path.split('/')[3];
  const ids: Record<string, string> = {
    ledgers: A.l.id,
    connections: A.conn.id,
    contacts: A.c.id,
    invoices: A.inv.id,
    reminders: A.r.id,
    agencies: A.a.id,
    handoffs: A.h.id,
    invites: A.i.id,
    tokens: A.token.id,
    members: A.owner.userId,
    'webhook-events': randomUUID(),
    'webhook-endpoints': A.endpoint,
  };
  if (!ids[seg!]) throw new Error(`no firm-A id for ${path}: add one to this test`);
  return ids[seg!]!;
}

/** A valid body for each route that takes one, so validation passes and tenancy is what answers. */
function bodyFor(
  method: string,
  path: string,
  A: Awaited<ReturnType<typeof firmA>>,
): { type: string; body: string } | undefined {
  const json = (v: unknown) => ({ type: 'application/json', body: JSON.stringify(v) });
  const bodies: Record<string, ReturnType<typeof json>> = {
    'POST /api/v1/connections/{id}/disconnect': json({ purge: false }),
    'POST /api/v1/ledgers/{id}/disconnect': json({ purge: true }),
    'POST /api/v1/webhook-events/replay': json({ from: '2026-01-01T00:00:00Z', to: '2026-12-31T00:00:00Z' }),
    'POST /api/v1/webhook-events/requeue-dead': json({}),
    'POST /api/v1/reminders/approve': json({ ids: [A.r.id] }),
    'POST /api/v1/reminders/reject': json({ ids: [A.r.id], reason: 'not ours' }),
    'POST /api/v1/templates/preview': json({ template: 'friendly' }),
    'PATCH /api/v1/invoices/{id}/collection': json({ excluded: true }),
    'PATCH /api/v1/contacts/{id}/collection': json({ excluded: true }),
    'POST /api/v1/policies': json({
      name: 'B policy',
      steps: [{ key: 'due', offsetDays: 0, tone: 'friendly', template: 'friendly' }],
    }),
    'PUT /api/v1/ledgers/{id}/cadence': json({ byRiskBand: { high: 'firm' } }),
    'POST /api/v1/ledgers/{id}/history-imports': {
      type: 'text/csv',
      body: 'customer_id,invoice_id,issue_date,due_date,amount,paid_date\nx,y,2024-01-01,2024-01-31,10,\n',
    },
    'POST /api/v1/agencies': json({ name: 'B agency', delivery: { method: 'email', to: ['b@agency.example'] } }),
    'PATCH /api/v1/agencies/{id}': json({ name: 'stolen' }),
    'PUT /api/v1/ledgers/{id}/handoff-rule': json({ enabled: true }),
    'POST /api/v1/handoffs': json({ contactId: A.c.id }),
    'PATCH /api/v1/handoffs/{id}': json({ agencyId: A.a.id }),
    'POST /api/v1/handoffs/approve': json({ ids: [A.h.id] }),
    'POST /api/v1/handoffs/{id}/status': json({ status: 'closed' }),
    'POST /api/v1/handoffs/{id}/recall': json({}),
    'PATCH /api/v1/ledgers/{id}': json({ safeMode: false }),
    'PATCH /api/v1/members/{id}': json({ role: 'viewer' }),
    'POST /api/v1/invites': json({ email: 'someone@b.example', role: 'viewer' }),
    'POST /api/v1/tokens': json({ name: 'b', scope: 'read' }),
    'PUT /api/v1/contacts/{id}/credit-limit': json({ amount: '1' }),
    'PUT /api/v1/ledgers/{id}/credit-policy': json({ defaultTermsDays: 7 }),
    'POST /api/v1/webhook-endpoints': json({ url: 'https://b.example/hook', events: ['reminder.sent'] }),
  };
  return bodies[`${method} ${path}`];
}

it('walks every API route with another firm’s token: ids of firm A answer 404, lists show none of A, A is unchanged', async () => {
  const deps = await testDeps(database);
  const app = createApp(deps);
  const A = await firmA();
  const B = await makeFirm(database.db, 'Beta Books');
  const bToken = (await createApiToken(database.db, B.id, 'beta', ['admin'])).token;
  const snapshot = async () => ({
    ledger: (await database.db.select().from(ledger).where(eq(ledger.id, A.l.id)))[0],
    reminder: (await database.db.select().from(reminder).where(eq(reminder.id, A.r.id)))[0],
    agency: (await database.db.select().from(agency).where(eq(agency.id, A.a.id)))[0],
    handoff: (await database.db.select().from(handoff).where(eq(handoff.id, A.h.id)))[0],
    connection: (await database.db.select().from(connection).where(eq(connection.id, A.conn.id)))[0],
    invoiceState: await database.db.select().from(collectionState).where(eq(collectionState.invoiceId, A.inv.id)),
    contactState: await database.db.select().from(contactState).where(eq(contactState.contactId, A.c.id)),
  });
  const before = await snapshot();
  const doc = (await (await app.request('/api/v1/openapi.json')).json()) as {
    paths: Record<string, Record<string, { requestBody?: unknown }>>;
  };
  const secrets = [
    A.endpoint,
    'alpha.example/hook',
    A.l.id,
    A.c.id,
    A.inv.id,
    A.r.id,
    A.a.id,
    A.h.id,
    A.i.id,
    A.token.id,
    A.conn.id,
    'Alpha Customer',
    'Alpha Ledger',
    'Alpha Agency',
    'OD-ALPHA001',
    'x@alpha.example',
  ];
  let walked = 0;
  for (const [path, item] of Object.entries(doc.paths)) {
    if (!path.startsWith('/api/v1/')) continue;
    for (const [m, op] of Object.entries(item)) {
      const method = m.toUpperCase();
      const body = op.requestBody ? bodyFor(method, path, A) : undefined;
      if (op.requestBody && !body) throw new Error(`no sample body for ${method} ${path}: add one to this test`);
      const url = path.replace('{id}', path.includes('{id}') ? idFor(path, A) : '').replace('{name}', 'aging');
      const res = await app.request(url, {
        method,
        headers: { authorization: `Bearer ${bToken}`, ...(body ? { 'content-type': body.type } : {}) },
        body: body?.body,
      });
      const text = await res.text();
      walked++;
      // An id the caller sent may be echoed back (with its refusal); nothing else of A may appear.
      for (const s of secrets.filter((x) => !body?.body.includes(x)))
        expect(text, `${method} ${path} leaked ${s}`).not.toContain(s);
      if (path.includes('{id}')) expect([403, 404], `${method} ${path} answered ${res.status}`).toContain(res.status);
      else expect(res.status, `${method} ${path}`).toBeLessThan(500);
    }
  }
  expect(walked).toBeGreaterThan(50);
  expect(await snapshot()).toEqual(before);
});
