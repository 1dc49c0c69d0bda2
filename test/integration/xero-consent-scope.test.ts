import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { auditLog, connection, invoice, ledger } from '../../src/db/schema/index.ts';
import { reconcileAll } from '../../src/services/background.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { recordingQueue, testConfig, testDeps } from '../support/deps.ts';
import { makeFirm, systemCtx } from '../support/factories.ts';
import { useMsw } from '../support/msw.ts';
import { signedIn } from '../support/session.ts';
import { virtualLimiterClock } from '../support/xero/connected.ts';
import { XeroFake } from '../support/xero/fake.ts';

/**
 * One Xero consent, one set of organisations (issue 28, "Consent scope"). A bookkeeper's Xero user
 * reaches many client organisations; GET /connections lists every one they ever connected to this
 * app. Only those of this consent (its authentication event) belong to the firm connecting now.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function bookkeeper() {
  const fake = new XeroFake();
  server.use(...fake.handlers());
  fake.addUser('bk-1', 'bookkeeper@example.com');
  // Clients A and B were connected for their own firms, by earlier consents.
  const a = fake.addTenant('bk-1', 'Client A Ltd');
  const b = fake.addTenant('bk-1', 'Client B Ltd');
  const config = testConfig({
    XERO_CLIENT_ID: fake.clientId,
    XERO_CLIENT_SECRET: fake.clientSecret,
    PUBLIC_URL: 'https://overdue.example.com',
  });
  const deps = await testDeps(database, { config, limiterClock: virtualLimiterClock() });
  const app = createApp(deps);
  const firm = await makeFirm(database.db, 'Client C');
  const user = await signedIn(database.db, firm.id);
  const connect = async (tenantIds: string[]) => {
    const start = await app.request('/connect/xero', { headers: { cookie: user.cookie } });
    const cb = new URL(fake.consent(start.headers.get('location')!, 'bk-1', tenantIds));
    return app.request(`${cb.pathname}${cb.search}`, { headers: { cookie: user.cookie } });
  };
  const ledgers = () => database.db.select().from(ledger).where(eq(ledger.firmId, firm.id));
  return { fake, app, firm, user, a, b, connect, ledgers, deps };
}

describe('a Xero consent imports its own organisations only', () => {
  it("connecting client C imports C alone, and C's disconnect leaves A's and B's Xero connections", async () => {
    const w = await bookkeeper();
    const c = w.fake.addTenant('bk-1', 'Client C Ltd');
    const done = await w.connect([c.tenantId]);
    expect(done.status).toBe(302);
    expect((await w.ledgers()).map((l) => l.name)).toEqual(['Client C Ltd']);

    const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, w.firm.id));
    const off = await w.app.request(`/api/v1/connections/${conn!.id}/disconnect`, {
      method: 'POST',
      headers: { cookie: w.user.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ purge: false }),
    });
    expect(off.status).toBe(200);
    expect(w.fake.deletedConnections).toEqual([c.connectionId]);
  });

  it('an organisation that cannot be read (a lapsed trial, 403) is reported; the others connect', async () => {
    const w = await bookkeeper();
    const lapsed = w.fake.addTenant('bk-1', 'Lapsed Trial Ltd');
    const c = w.fake.addTenant('bk-1', 'Client C Ltd');
    w.fake.lapsed.add(lapsed.tenantId);
    const done = await w.connect([lapsed.tenantId, c.tenantId]);
    expect(done.status).toBe(302);
    const to = new URL(done.headers.get('location')!, 'https://overdue.example.com');
    expect(Object.fromEntries(to.searchParams)).toMatchObject({ ledgers: '1', added: '1', unavailable: '1' });
    expect((await w.ledgers()).map((l) => l.name)).toEqual(['Client C Ltd']);
    expect(w.deps.jobs.synced).toHaveLength(1);
    const [entry] = await database.db.select().from(auditLog).where(eq(auditLog.action, 'connection.connected'));
    expect(entry!.data).toMatchObject({
      unavailable: [
        { externalId: lapsed.tenantId, name: 'Lapsed Trial Ltd', reason: 'disconnected (AuthorizationUnsuccessful)' },
      ],
    });
  });
});

describe('one organisation of a consent, disconnected or purged on its own', () => {
  const post = (w: Awaited<ReturnType<typeof bookkeeper>>, path: string, body?: unknown) =>
    w.app.request(path, {
      method: 'POST',
      headers: { cookie: w.user.cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  it('removes that organisation at Xero only; the grant stays for the others until the last one goes', async () => {
    const w = await bookkeeper();
    expect((await w.connect([w.a.tenantId, w.b.tenantId])).status).toBe(302);
    const byName = async () => Object.fromEntries((await w.ledgers()).map((l) => [l.name, l]));
    const a = (await byName())['Client A Ltd']!;
    const b = (await byName())['Client B Ltd']!;

    const off = await post(w, `/api/v1/ledgers/${a.id}/disconnect`);
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ ledgerId: a.id, grantRevoked: false, purged: null });
    expect(w.fake.deletedConnections).toEqual([w.a.connectionId]);
    expect(w.fake.revoked).toHaveLength(0);
    expect((await byName())['Client A Ltd']).toMatchObject({ status: 'disconnected' });
    expect((await byName())['Client B Ltd']).toMatchObject({ status: 'active' });
    const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, w.firm.id));
    expect(conn).toMatchObject({ status: 'active' });

    // Purging the last one: its data goes, its organisation is removed, the grant is revoked.
    await syncLedger(
      { ctx: systemCtx(database.db, w.firm.id, w.deps.clock), input: { ledgerId: b.id } },
      await w.deps.integrations.resolve(b),
    );
    const purged = await post(w, `/api/v1/ledgers/${b.id}/purge`);
    expect(purged.status).toBe(200);
    expect(await purged.json()).toMatchObject({ invoices: 0, contacts: expect.any(Number) });
    expect(w.fake.deletedConnections).toEqual([w.a.connectionId, w.b.connectionId]);
    expect(w.fake.revoked).toHaveLength(1);
    expect((await byName())['Client B Ltd']).toMatchObject({ status: 'disconnected' });
  });

  it('a purged ledger stays purged: no sync brings the data back until it is connected again', async () => {
    const w = await bookkeeper();
    w.fake.seedInvoices(w.a, 3);
    expect((await w.connect([w.a.tenantId])).status).toBe(302);
    const [a] = await w.ledgers();
    const ctx = systemCtx(database.db, w.firm.id, w.deps.clock);
    await syncLedger({ ctx, input: { ledgerId: a!.id } }, await w.deps.integrations.resolve(a!));
    const count = async () => (await database.db.select().from(invoice).where(eq(invoice.ledgerId, a!.id))).length;
    expect(await count()).toBe(3);
    expect((await post(w, `/api/v1/ledgers/${a!.id}/purge`)).status).toBe(200);
    expect(await count()).toBe(0);
    const [after] = await w.ledgers();
    await expect(w.deps.integrations.resolve(after!)).rejects.toThrow(/disconnected; reconnect it/);
    const jobs = recordingQueue();
    await reconcileAll(database.db, jobs, w.deps.clock.now());
    expect(jobs.synced).toHaveLength(0);
    // Connected again: active, and the backfill brings the invoices back.
    expect((await w.connect([w.a.tenantId])).status).toBe(302);
    const [again] = await w.ledgers();
    expect(again).toMatchObject({ status: 'active' });
    await syncLedger({ ctx, input: { ledgerId: again!.id } }, await w.deps.integrations.resolve(again!));
    expect(await count()).toBe(3);
  });
});
