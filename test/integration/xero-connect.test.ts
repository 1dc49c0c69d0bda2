import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { auditLog, connection, ledger } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { makeFirm } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';
import { useXeroFake, xeroEnv } from '../support/xero/setup.ts';

const xero = useXeroFake();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function setup() {
  const fake = xero.reset();
  fake.addUser('xu-1', 'bookkeeper@example.com');
  const deps = await testDeps(database, { config: testConfig(xeroEnv(fake)) });
  const app = createApp(deps);
  const firm = await makeFirm(database.db);
  const user = await signedIn(database.db, firm.id);
  const start = async (cookie = user.cookie) => {
    const res = await app.request('/connect/xero', { headers: { cookie } });
    expect(res.status).toBe(302);
    return res.headers.get('location')!;
  };
  const callback = (url: string, cookie = user.cookie) => {
    const u = new URL(url);
    return app.request(`${u.pathname}${u.search}`, { headers: { cookie } });
  };
  return { fake, deps, app, firm, user, start, callback };
}

describe('Xero connect', () => {
  it('sends the user to Xero with state, PKCE and the scopes we need', async () => {
    const { start, fake } = await setup();
    const url = new URL(await start());
    expect(url.origin + url.pathname).toBe('https://login.xero.com/identity/connect/authorize');
    expect(url.searchParams.get('client_id')).toBe(fake.clientId);
    expect(url.searchParams.get('redirect_uri')).toBe('https://overdue.example.com/callback/xero');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
    const scopes = url.searchParams.get('scope')!.split(' ');
    expect(scopes).toEqual(
      expect.arrayContaining(['offline_access', 'accounting.invoices', 'accounting.contacts.read']),
    );
    expect(scopes).not.toContain('accounting.transactions');
  });

  it('requires a signed-in owner or admin', async () => {
    const { app, firm } = await setup();
    // No session: a browser is sent to sign in and brought back (test/integration/app-store.test.ts).
    const anonymous = await app.request('/connect/xero');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe('/signin?next=%2Fconnect%2Fxero');
    const viewer = await signedIn(database.db, firm.id, 'viewer');
    expect((await app.request('/connect/xero', { headers: { cookie: viewer.cookie } })).status).toBe(403);
  });

  it('creates one ledger per organisation of a consent, with tokens encrypted', async () => {
    const { fake, start, callback, firm, deps } = await setup();
    fake.addTenant('xu-1', 'Client One Ltd', { timezone: 'NEWZEALANDSTANDARDTIME', country: 'NZ', currency: 'NZD' });
    fake.addTenant('xu-1', 'Client Two Pty', { timezone: 'AUSEASTERNSTANDARDTIME', country: 'AU', currency: 'AUD' });
    const res = await callback(fake.consent(await start(), 'xu-1'));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/?connected=xero&ledgers=2&added=2');
    const ledgers = await database.db.select().from(ledger).where(eq(ledger.firmId, firm.id)).orderBy(ledger.name);
    expect(ledgers.map((l) => [l.name, l.timezone, l.baseCurrency, l.status])).toEqual([
      ['Client One Ltd', 'Pacific/Auckland', 'NZD', 'active'],
      ['Client Two Pty', 'Australia/Sydney', 'AUD', 'active'],
    ]);
    expect(deps.jobs.synced.sort()).toEqual(ledgers.map((l) => l.id).sort());
    const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, firm.id));
    expect(conn!.externalId).toBe('xu-1');
    expect(conn!.accessToken).toMatch(/^v1\.test\./);
    expect(conn!.accessToken).not.toContain('xat_');
    expect(conn!.refreshToken).not.toContain('xrt_');
    const audits = await database.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.firmId, firm.id), eq(auditLog.action, 'connection.connected')));
    expect(audits).toHaveLength(1);
  });

  it('re-consent adds new organisations without duplicating existing ones', async () => {
    const { fake, start, callback, firm } = await setup();
    fake.addTenant('xu-1', 'First Org');
    await callback(fake.consent(await start(), 'xu-1'));
    fake.addTenant('xu-1', 'Second Org');
    const res = await callback(fake.consent(await start(), 'xu-1'));
    expect(res.headers.get('location')).toBe('/?connected=xero&ledgers=2&added=1');
    expect(await database.db.select().from(ledger).where(eq(ledger.firmId, firm.id))).toHaveLength(2);
    expect(await database.db.select().from(connection).where(eq(connection.firmId, firm.id))).toHaveLength(1);
  });

  it.each([
    ['missing state', (u: URL) => u.searchParams.delete('state')],
    ['forged state', (u: URL) => u.searchParams.set('state', 'A'.repeat(43))],
  ])('rejects a callback with %s: 400, no token exchange', async (_name, tamper) => {
    const { fake, start, callback } = await setup();
    fake.addTenant('xu-1', 'Org');
    const url = new URL(fake.consent(await start(), 'xu-1'));
    tamper(url);
    const res = await callback(url.toString());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('validation_failed');
    expect(fake.tokenCalls.authorization_code).toBe(0);
  });

  it('rejects a replayed callback: the state is single use', async () => {
    const { fake, start, callback } = await setup();
    fake.addTenant('xu-1', 'Org');
    const url = fake.consent(await start(), 'xu-1');
    expect((await callback(url)).status).toBe(302);
    const replay = await callback(url);
    expect(replay.status).toBe(400);
    expect(fake.tokenCalls.authorization_code).toBe(1);
  });

  it('rejects a callback from another browser session and an expired state', async () => {
    const { fake, start, callback, firm, deps } = await setup();
    fake.addTenant('xu-1', 'Org');
    const other = await signedIn(database.db, firm.id);
    expect((await callback(fake.consent(await start(), 'xu-1'), other.cookie)).status).toBe(400);
    const url = fake.consent(await start(), 'xu-1');
    (deps.clock as unknown as { advance(ms: number): void }).advance(11 * 60_000);
    expect((await callback(url)).status).toBe(400);
    expect(fake.tokenCalls.authorization_code).toBe(0);
  });

  it('refuses a token response whose id_token does not verify, creating nothing', async () => {
    const { fake, start, callback, firm } = await setup();
    fake.addTenant('xu-1', 'Org');
    fake.forgeIdTokens = true;
    const res = await callback(fake.consent(await start(), 'xu-1'));
    expect(res.status).toBe(502);
    expect(await res.text()).not.toMatch(/xat_|xrt_|eyJ/);
    expect(await database.db.select().from(connection).where(eq(connection.firmId, firm.id))).toHaveLength(0);
  });

  it('reports a declined consent as a clear 400', async () => {
    const { fake, start, callback } = await setup();
    const u = new URL(fake.consent(await start(), 'xu-1'));
    u.searchParams.delete('code');
    u.searchParams.set('error', 'access_denied');
    const res = await callback(u.toString());
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('access_denied');
  });

  it('disconnects: removes each organisation at Xero, revokes, keeps data read-only', async () => {
    const { fake, start, callback, firm, app, user } = await setup();
    const t = fake.addTenant('xu-1', 'Org');
    await callback(fake.consent(await start(), 'xu-1'));
    const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, firm.id));
    const res = await app.request(`/api/v1/connections/${conn!.id}/disconnect`, {
      method: 'POST',
      headers: { cookie: user.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ purge: false }),
    });
    expect(res.status).toBe(200);
    expect(fake.deletedConnections).toEqual([t.connectionId]);
    expect(fake.revoked).toHaveLength(1);
    const [after] = await database.db.select().from(connection).where(eq(connection.id, conn!.id));
    expect(after!.status).toBe('disconnected');
    expect(after!.refreshToken).toBeNull();
    const [l] = await database.db.select().from(ledger).where(eq(ledger.firmId, firm.id));
    expect(l!.status).toBe('disconnected');
  });

  it("answers another firm's connection with 404", async () => {
    const { fake, start, callback, firm, app } = await setup();
    fake.addTenant('xu-1', 'Org');
    await callback(fake.consent(await start(), 'xu-1'));
    const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, firm.id));
    const stranger = await signedIn(database.db, (await makeFirm(database.db)).id);
    const res = await app.request(`/api/v1/connections/${conn!.id}/disconnect`, {
      method: 'POST',
      headers: { cookie: stranger.cookie },
    });
    expect(res.status).toBe(404);
  });
});
