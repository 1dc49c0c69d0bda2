import { randomUUID } from 'node:crypto';
import { count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import {
  apiToken,
  appUser,
  auditLog,
  contactState,
  ledger,
  membership,
  userIdentity,
} from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeLedger } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';
import { cookieOf, signInFlow } from '../support/signin.ts';
import { useXeroFake, xeroEnv } from '../support/xero/setup.ts';

const xero = useXeroFake();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

describe('sign in with Xero', () => {
  async function setup() {
    const fake = xero.reset();
    fake.addUser('xu-7', 'owner@harbour.example');
    const app = createApp(await testDeps(database, { config: testConfig(xeroEnv(fake)) }));
    const flow = signInFlow(app, 'xero');
    return { fake, app, start: (next = '/settings') => flow.start(next), finish: flow.finish };
  }

  it('asks only for identity, verifies the id_token, creates the person with a firm of their own, and signs them in', async () => {
    const s = await setup();
    const { url, browser } = await s.start();
    const u = new URL(url);
    expect(u.searchParams.get('scope')).toBe('openid profile email');
    expect(u.searchParams.get('redirect_uri')).toBe('https://overdue.example.com/auth/callback/xero');
    expect(u.searchParams.get('code_challenge_method')).toBe('S256');
    const res = await s.finish(s.fake.consent(url, 'xu-7'), browser);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/settings');
    const session = cookieOf(res, 'overdue_session')!;
    expect(res.headers.getSetCookie().find((c) => c.startsWith('overdue_session='))).toMatch(
      /HttpOnly;.*Secure;.*SameSite=Lax|HttpOnly.*SameSite=Lax/,
    );
    expect((await s.app.request('/api/v1/ledgers', { headers: { cookie: session } })).status).toBe(200);
    const [user] = await database.db.select().from(appUser).where(eq(appUser.email, 'owner@harbour.example'));
    expect(user!.name).toBe('Test User');
    expect(await database.db.select().from(membership).where(eq(membership.userId, user!.id))).toEqual([
      expect.objectContaining({ role: 'owner' }),
    ]);
    // Signing in again finds the same person.
    const again = await s.start();
    expect((await s.finish(s.fake.consent(again.url, 'xu-7'), again.browser)).status).toBe(302);
    expect((await database.db.select({ n: count() }).from(appUser))[0]!.n).toBe(1);
    expect(await database.db.select().from(userIdentity)).toEqual([
      expect.objectContaining({ provider: 'xero', subject: 'sub-xu-7', userId: user!.id }),
    ]);
  });

  it('refuses another browser’s, a replayed or a forged sign-in with no token request or no session', async () => {
    const s = await setup();
    const a = await s.start();
    const other = await s.start();
    const callback = s.fake.consent(a.url, 'xu-7');
    expect((await s.finish(callback, other.browser)).status).toBe(400);
    expect((await s.finish(callback)).status).toBe(400);
    expect(s.fake.tokenCalls.authorization_code).toBe(0);
    const b = await s.start();
    s.fake.forgeIdTokens = true;
    const forged = await s.finish(s.fake.consent(b.url, 'xu-7'), b.browser);
    expect(forged.status).toBe(502);
    expect(cookieOf(forged, 'overdue_session')).toBeUndefined();
    expect((await database.db.select({ n: count() }).from(appUser))[0]!.n).toBe(0);
  });

  it('links to an existing user with the same email, who keeps their firm', async () => {
    const s = await setup();
    const firm = await makeFirm(database.db, 'Harbour Books');
    const existing = await signedIn(database.db, firm.id, 'admin');
    const [u] = await database.db.select().from(appUser).where(eq(appUser.id, existing.userId));
    s.fake.addUser('xu-8', u!.email);
    const { url, browser } = await s.start('/');
    const res = await s.finish(s.fake.consent(url, 'xu-8'), browser);
    const ledgers = await s.app.request('/api/v1/members', { headers: { cookie: cookieOf(res, 'overdue_session')! } });
    expect((await ledgers.json()).members.map((m: { userId: string }) => m.userId)).toContain(existing.userId);
  });
});

describe('members, invitations and API tokens', () => {
  async function setup() {
    const deps = await testDeps(database);
    const app = createApp(deps);
    const firm = await makeFirm(database.db, 'Harbour Books');
    const owner = await signedIn(database.db, firm.id, 'owner');
    const l1 = await makeLedger(database.db, firm.id, { externalId: randomUUID(), name: 'Client One' });
    const l2 = await makeLedger(database.db, firm.id, { externalId: randomUUID(), name: 'Client Two' });
    const call = async (
      method: string,
      path: string,
      body?: unknown,
      auth: Record<string, string> = { cookie: owner.cookie },
    ) => {
      const res = await app.request(`/api/v1${path}`, {
        method,
        headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      return { status: res.status, body: res.headers.get('content-type')?.includes('json') ? await res.json() : null };
    };
    return { app, firm, owner, l1, l2, call };
  }

  it('invites by a single-use link: the invited person joins with the role and ledgers given', async () => {
    const s = await setup();
    const inv = await s.call('POST', '/invites', {
      email: 'Junior@Books.example',
      role: 'member',
      ledgerIds: [s.l1.id],
    });
    expect(inv.status).toBe(201);
    expect(inv.body.link).toMatch(/^http:\/\/localhost:3000\/invite\/odi_[\w-]+$/);
    const path = new URL(inv.body.link).pathname;
    const elsewhere = await makeFirm(database.db, 'Own firm');
    const junior = await signedIn(database.db, elsewhere.id, 'owner');
    expect((await s.app.request(path)).status).toBe(303); // not signed in: to the sign-in page
    const page = await s.app.request(path, { headers: { cookie: junior.cookie } });
    expect(await page.text()).toContain('You are invited to join Harbour Books as member.');
    expect(
      (
        await s.app.request(path, {
          method: 'POST',
          headers: { cookie: junior.cookie, origin: 'https://evil.example' },
        })
      ).status,
    ).toBe(403);
    const joined = await s.app.request(path, {
      method: 'POST',
      headers: { cookie: junior.cookie, origin: 'http://localhost' },
    });
    expect(joined.status).toBe(303);
    const session = cookieOf(joined, 'overdue_session')!;
    const members = await s.call('GET', '/members');
    expect(members.body.members).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: junior.userId, role: 'member', ledgerIds: [s.l1.id] }),
      ]),
    );
    expect(
      (await s.app.request(path, { method: 'POST', headers: { cookie: junior.cookie, origin: 'http://localhost' } }))
        .status,
    ).toBe(404);
    // As a member, they act on their ledger only.
    const mine = await makeContact(database.db, s.l1);
    const theirs = await makeContact(database.db, s.l2);
    expect(
      (await s.call('PATCH', `/contacts/${mine.id}/collection`, { excluded: true }, { cookie: session })).status,
    ).toBe(200);
    const refused = await s.call('PATCH', `/contacts/${theirs.id}/collection`, { excluded: true }, { cookie: session });
    // The other ledger does not exist for them: 404, as another firm's would be.
    expect(refused).toEqual({
      status: 404,
      body: {
        error: expect.objectContaining({
          code: 'not_found',
          message: 'not found among the ledgers you are assigned to',
        }),
      },
    });
    expect(await database.db.select().from(contactState).where(eq(contactState.contactId, theirs.id))).toEqual([]);
    // In two firms now: switching goes back to their own, and never into a firm they are not in.
    const form = (firmId: string) =>
      s.app.request('/ui/switch-firm', {
        method: 'POST',
        headers: { cookie: session, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
        body: `firmId=${firmId}`,
      });
    const back = await form(elsewhere.id);
    expect(back.headers.get('location')).toBe(`/?notice=${encodeURIComponent('Now working in Own firm.')}`);
    const ownSession = cookieOf(back, 'overdue_session')!;
    expect(
      (await s.call('GET', '/members', undefined, { cookie: ownSession })).body.members.map(
        (m: { userId: string }) => m.userId,
      ),
    ).toEqual([junior.userId]);
    const stranger = await makeFirm(database.db, 'Not mine');
    const notMine = await form(stranger.id);
    expect(cookieOf(notMine, 'overdue_session')).toBeUndefined();
    expect(notMine.headers.get('location')).toContain('error=');
  });

  it('keeps an owner, and only an owner makes owners', async () => {
    const s = await setup();
    expect((await s.call('PATCH', `/members/${s.owner.userId}`, { role: 'admin' })).status).toBe(409);
    const admin = await signedIn(database.db, s.firm.id, 'admin');
    const viewer = await signedIn(database.db, s.firm.id, 'viewer');
    expect(
      (await s.call('PATCH', `/members/${viewer.userId}`, { role: 'owner' }, { cookie: admin.cookie })).status,
    ).toBe(403);
    expect(
      (await s.call('PATCH', `/members/${s.owner.userId}`, { role: 'viewer' }, { cookie: admin.cookie })).status,
    ).toBe(403);
    expect(
      (
        await s.call(
          'PATCH',
          `/members/${viewer.userId}`,
          { role: 'member', ledgerIds: [s.l2.id] },
          { cookie: admin.cookie },
        )
      ).body,
    ).toEqual({ userId: viewer.userId, role: 'member', ledgerIds: [s.l2.id] });
    expect((await s.call('GET', '/tokens', undefined, { cookie: viewer.cookie })).status).toBe(403);
  });

  it('API tokens: scoped, shown once, stored hashed, revocable', async () => {
    const s = await setup();
    const made = await s.call('POST', '/tokens', { name: 'reporting', scope: 'read' });
    expect(made.status).toBe(201);
    const bearer = { authorization: `Bearer ${made.body.token}` };
    expect((await s.call('GET', '/ledgers', undefined, bearer)).status).toBe(200);
    expect((await s.call('PATCH', `/ledgers/${s.l1.id}`, { safeMode: false }, bearer)).status).toBe(403);
    const [row] = await database.db.select().from(apiToken).where(eq(apiToken.id, made.body.id));
    expect(JSON.stringify(row)).not.toContain(made.body.token);
    const listed = await s.call('GET', '/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(made.body.token);
    expect((await s.call('DELETE', `/tokens/${made.body.id}`)).body).toEqual({ id: made.body.id, revoked: true });
    expect((await s.call('GET', '/ledgers', undefined, bearer)).status).toBe(401);
    const write = await s.call('POST', '/tokens', { name: 'sync', scope: 'write' });
    expect(
      (
        await s.call(
          'PATCH',
          `/ledgers/${s.l1.id}`,
          { safeMode: false },
          { authorization: `Bearer ${write.body.token}` },
        )
      ).status,
    ).toBe(403);
    const admin = await s.call('POST', '/tokens', { name: 'ops', scope: 'admin' });
    expect(
      (
        await s.call(
          'PATCH',
          `/ledgers/${s.l1.id}`,
          { safeMode: false },
          { authorization: `Bearer ${admin.body.token}` },
        )
      ).body,
    ).toEqual({ ledgerId: s.l1.id, safeMode: false, ledgerNotes: 'all', timezone: s.l1.timezone });
  });

  it("a ledger's history-note setting: validated, kept, audited; safe mode untouched", async () => {
    const s = await setup();
    const set = await s.call('PATCH', `/ledgers/${s.l1.id}`, { ledgerNotes: 'escalations' });
    expect(set.body).toEqual({
      ledgerId: s.l1.id,
      safeMode: true,
      ledgerNotes: 'escalations',
      timezone: s.l1.timezone,
    });
    expect((await s.call('PATCH', `/ledgers/${s.l1.id}`, { ledgerNotes: 'sometimes' })).status).toBe(400);
    const empty = await s.call('PATCH', `/ledgers/${s.l1.id}`, {});
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body.error)).toContain('name a setting to change');
    const [row] = await database.db.select().from(ledger).where(eq(ledger.id, s.l1.id));
    expect(row!.settings).toMatchObject({ ledgerNotes: 'escalations' });
    expect(row!.safeMode).toBe(true);
    const audited = await database.db.select().from(auditLog).where(eq(auditLog.action, 'ledger.notes'));
    expect(audited).toHaveLength(1);
  });
});
