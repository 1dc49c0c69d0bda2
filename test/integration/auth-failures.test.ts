import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { makeFirm } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

/** A request as from a client at `address` (the socket's address on @hono/node-server). */
const from = (address: string) => ({ incoming: { socket: { remoteAddress: address } } });

async function setup() {
  const clock = fixedClock('2026-11-20T10:00:00Z');
  // Xero configured (no call reaches it: an unknown state is refused before any exchange).
  const config = testConfig({ XERO_CLIENT_ID: 'client', XERO_CLIENT_SECRET: 'secret' });
  const app = createApp(await testDeps(database, { clock, config }));
  const user = await signedIn(database.db, (await makeFirm(database.db)).id);
  const get = (address: string, headers: Record<string, string>) =>
    app.request('/api/v1/ledgers', { headers }, from(address));
  return { app, clock, user, get };
}

describe('failed credential checks are rate limited per address', () => {
  it('after ten bad tokens or sessions in a minute, the address waits out the minute, even with a good one', async () => {
    const s = await setup();
    const guesser = '203.0.113.7';
    for (let i = 0; i < 5; i++)
      expect((await s.get(guesser, { authorization: `Bearer odt_guess${i}` })).status).toBe(401);
    for (let i = 0; i < 5; i++)
      expect((await s.get(guesser, { cookie: `overdue_session=guess${i}` })).status).toBe(401);
    const refused = await s.get(guesser, { cookie: s.user.cookie });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect((await refused.json()).error.code).toBe('too_many_requests');
    // Anyone else is unaffected, and no credential at all is not a guess.
    expect((await s.get('198.51.100.20', { cookie: s.user.cookie })).status).toBe(200);
    expect((await s.app.request('/api/v1/ledgers', {}, from('198.51.100.21'))).status).toBe(401);
    s.clock.advance(61_000);
    expect((await s.get(guesser, { cookie: s.user.cookie })).status).toBe(200);
  });

  it('counts sign-in and consent callbacks with unknown states the same way', async () => {
    const s = await setup();
    const guesser = '203.0.113.8';
    for (let i = 0; i < 10; i++) {
      const path = i % 2 ? `/auth/callback/xero?code=c&state=s${i}` : `/callback/xero?code=c&state=s${i}`;
      const res = await s.app.request(path, { headers: { cookie: s.user.cookie } }, from(guesser));
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
    expect((await s.app.request('/callback/xero?code=c&state=again', {}, from(guesser))).status).toBe(429);
  });
});
