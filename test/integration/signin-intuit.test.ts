import { count, eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { appUser, membership, userIdentity } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { useMsw } from '../support/msw.ts';
import { QuickBooksFake } from '../support/quickbooks/fake.ts';
import { cookieOf, signInFlow } from '../support/signin.ts';

const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function setup() {
  const fake = new QuickBooksFake();
  server.use(...fake.handlers());
  fake.people.set('intuit-sub-1', { email: 'ida@riverside.example', verified: true });
  const config = testConfig({
    QUICKBOOKS_CLIENT_ID: fake.clientId,
    QUICKBOOKS_CLIENT_SECRET: fake.clientSecret,
    PUBLIC_URL: 'https://overdue.example.com',
  });
  const app = createApp(await testDeps(database, { config }));
  return { fake, app, ...signInFlow(app, 'quickbooks') };
}

it('signs in with Intuit: identity scopes only, id_token verified against the JWKS, verified email from userinfo', async () => {
  const s = await setup();
  const { url, browser } = await s.start();
  const u = new URL(url);
  expect(u.origin + u.pathname).toBe('https://appcenter.intuit.com/connect/oauth2');
  expect(u.searchParams.get('scope')).toBe('openid email profile');
  expect(u.searchParams.get('redirect_uri')).toBe('https://overdue.example.com/auth/callback/quickbooks');
  // PKCE: the code is exchanged with the verifier this server kept (the fake insists on it).
  expect(u.searchParams.get('code_challenge_method')).toBe('S256');
  const res = await s.finish(s.fake.signIn(url, 'intuit-sub-1'), browser);
  expect(res.status).toBe(302);
  const session = cookieOf(res, 'overdue_session')!;
  expect((await s.app.request('/api/v1/ledgers', { headers: { cookie: session } })).status).toBe(200);
  const [user] = await database.db.select().from(appUser);
  expect(user).toMatchObject({ email: 'ida@riverside.example', name: 'Ida Intuit' });
  expect(await database.db.select().from(membership).where(eq(membership.userId, user!.id))).toEqual([
    expect.objectContaining({ role: 'owner' }),
  ]);
  expect(await database.db.select().from(userIdentity)).toEqual([
    expect.objectContaining({ provider: 'quickbooks', subject: 'intuit-sub-1' }),
  ]);
});

it('refuses a forged id_token or another browser’s sign-in, creating no one', async () => {
  const s = await setup();
  const a = await s.start();
  const b = await s.start();
  expect((await s.finish(s.fake.signIn(a.url, 'intuit-sub-1'), b.browser)).status).toBe(400);
  expect(s.fake.tokenCalls).toBe(0);
  s.fake.forgeIdTokens = true;
  const c = await s.start();
  const forged = await s.finish(s.fake.signIn(c.url, 'intuit-sub-1'), c.browser);
  expect(forged.status).toBe(502);
  expect(cookieOf(forged, 'overdue_session')).toBeUndefined();
  expect((await database.db.select({ n: count() }).from(appUser))[0]!.n).toBe(0);
});
