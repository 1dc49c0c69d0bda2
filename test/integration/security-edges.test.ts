import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { startServer } from '../../src/server.ts';
import { ensureDemoLedger } from '../../src/services/demo.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { captureLogger, testConfig, testDeps } from '../support/deps.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

/**
 * Defence in depth at the HTTP edge (issue 29): bounded bodies, headers that keep the dashboard
 * out of frames and scripts, cookie-authenticated writes only from this site, and a demo that is
 * not an open door.
 */
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function world() {
  const app = createApp(await testDeps(database));
  const firm = await makeFirm(database.db);
  const l = await makeLedger(database.db, firm.id);
  const owner = await signedIn(database.db, firm.id);
  return { app, firm, ledger: l, owner };
}

describe('request bodies are bounded before anything reads them', () => {
  it('a 2 MB API body and a 300 KB form are refused with 413 and the limit in words; the CSV import keeps its own bound', async () => {
    const w = await world();
    const big = JSON.stringify({ note: 'x'.repeat(2 * 1024 * 1024) });
    const api = await w.app.request(`/api/v1/ledgers/${w.ledger.id}`, {
      method: 'PATCH',
      headers: { cookie: w.owner.cookie, 'content-type': 'application/json' },
      body: big,
    });
    expect(api.status).toBe(413);
    expect((await api.json()).error).toMatchObject({
      code: 'payload_too_large',
      message: expect.stringMatching(/1024 KB/),
    });
    const form = await w.app.request('/ui/reminders/approve', {
      method: 'POST',
      headers: {
        cookie: w.owner.cookie,
        origin: 'http://localhost:3000',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `ids=${'a'.repeat(300 * 1024)}`,
    });
    expect(form.status).toBe(413);
    const csv = `invoice,customer\n${'x,y\n'.repeat(400_000)}`;
    const imported = await w.app.request(`/api/v1/ledgers/${w.ledger.id}/history-imports`, {
      method: 'POST',
      headers: { cookie: w.owner.cookie, 'content-type': 'text/csv' },
      body: csv,
    });
    expect(csv.length).toBeGreaterThan(1024 * 1024);
    expect(imported.status).not.toBe(413);
  });
});

describe('headers', () => {
  it('pages allow no script and no framing; every answer is nosniff with a same-origin referrer', async () => {
    const w = await world();
    for (const path of ['/', '/api/v1/ledgers']) {
      const res = await w.app.request(path, { headers: { cookie: w.owner.cookie } });
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src/);
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('same-origin');
    }
  });
});

describe('writes made with the session cookie', () => {
  it('are refused when another site sends them, accepted from this site, and an API token is not affected', async () => {
    const w = await world();
    const patch = (headers: Record<string, string>) =>
      w.app.request(`/api/v1/ledgers/${w.ledger.id}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ safeMode: false }),
      });
    const foreign = await patch({ cookie: w.owner.cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.message).toMatch(/must come from this site/);
    expect((await patch({ cookie: w.owner.cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await patch({ cookie: w.owner.cookie, origin: 'http://localhost:3000' })).status).toBe(200);
    expect((await patch({ cookie: w.owner.cookie, 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    // An API token is not sent by browsers on their own: it is accepted from anywhere.
    const minted = await w.app.request('/api/v1/tokens', {
      method: 'POST',
      headers: { cookie: w.owner.cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'script', scope: 'admin' }),
    });
    const { token } = (await minted.json()) as { token: string };
    expect((await patch({ authorization: `Bearer ${token}`, origin: 'https://elsewhere.example' })).status).toBe(200);
    // Reads are not writes.
    const read = await w.app.request('/api/v1/ledgers', {
      headers: { cookie: w.owner.cookie, origin: 'https://evil.example' },
    });
    expect(read.status).toBe(200);
  });
});

describe('the demo', () => {
  it('signs in only a browser on this machine, and only in the embedded default', async () => {
    const deps = await testDeps(database, { config: testConfig({ DEMO_LEDGER: 'true' }) });
    await ensureDemoLedger(database.db, deps.clock, 42);
    const app = createApp(deps);
    const from = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } });
    expect((await app.request('/auth/dev', {}, from('127.0.0.1'))).status).toBe(302);
    expect((await app.request('/auth/dev', {}, from('::1'))).status).toBe(302);
    const outside = await app.request('/auth/dev', {}, from('203.0.113.9'));
    expect(outside.status).toBe(403);
    expect(outside.headers.get('set-cookie')).toBeNull();
    // A service with its own database has no demo sign-in at all.
    const withDb = createApp(
      await testDeps(database, {
        config: testConfig({ DEMO_LEDGER: 'true', DATABASE_URL: 'postgres://u@h/db' }),
      }),
    );
    expect((await withDb.request('/auth/dev', {}, from('127.0.0.1'))).status).toBe(404);
  });

  it('listens on this machine only by default; a busy port is one clear error', async () => {
    expect(testConfig({}).host).toBe('127.0.0.1');
    expect(testConfig({ DATABASE_URL: 'postgres://u@h/db' }).host).toBe('0.0.0.0');
    expect(testConfig({ HOST: '0.0.0.0' }).host).toBe('0.0.0.0');
    const holder = createServer();
    const port = await new Promise<number>((r) =>
      holder.listen(0, '127.0.0.1', () => r((holder.address() as { port: number }).port)),
    );
    try {
      const own = await createTestDatabase();
      await expect(
        startServer(testConfig({ PORT: String(port), TICK_INTERVAL_SECONDS: '3600' }), {
          database: own,
          logger: captureLogger(),
        }),
      ).rejects.toThrow(`invalid configuration: PORT: port ${port} on 127.0.0.1 is in use`);
    } finally {
      holder.close();
    }
  });
});
