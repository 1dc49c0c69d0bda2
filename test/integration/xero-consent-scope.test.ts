import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { auditLog, connection, ledger } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { makeFirm } from '../support/factories.ts';
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
