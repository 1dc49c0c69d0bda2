import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

/**
 * A person in the dashboard who follows a stale link or edits a parameter gets a page that says
 * what is wrong and the request id to quote; the API keeps its JSON body. Neither shows internals.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const PAGE = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

async function setup() {
  const deps = await testDeps(database);
  const app = createApp(deps);
  // A page whose handler fails in a way nobody planned for (a bug, a lost database).
  app.get('/ledgers/boom/now', () => {
    throw new Error('relation "secret_table" does not exist');
  });
  const firm = await makeFirm(database.db);
  const l = await makeLedger(database.db, firm.id);
  const user = await signedIn(database.db, firm.id);
  const get = (path: string, headers: Record<string, string> = PAGE) =>
    app.request(path, { headers: { cookie: user.cookie, ...headers } });
  return { app, deps, l, user, get };
}

describe('errors in the dashboard are pages; in the API, JSON', () => {
  it('a bad report parameter is a 400 page naming the parameter and the request id', async () => {
    const s = await setup();
    const res = await s.get('/reports/aging?ledgerId=not-a-ledger');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<h1>That request could not be read</h1>');
    expect(html).toContain('ledgerId is not the id of a ledger');
    expect(html).toContain(`<code>${res.headers.get('x-request-id')}</code>`);
    // Signed in: the page keeps the navigation.
    expect(html).toContain('href="/reports"');
  });

  it('an id that cannot exist is a 404 page, for pages and forms alike, never a 500', async () => {
    const s = await setup();
    for (const path of ['/ledgers/nope', '/ledgers/nope/credit', "/customers/1' or '1'='1"]) {
      const res = await s.get(path);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toContain('<h1>Not found</h1>');
    }
    const form = await s.app.request('/ui/invoices/nope/plan', {
      method: 'POST',
      headers: {
        cookie: s.user.cookie,
        origin: 'http://localhost',
        'content-type': 'application/x-www-form-urlencoded',
        ...PAGE,
      },
      body: 'plan=2026-12-31%20100',
    });
    expect(form.status).toBe(404);
    expect(s.deps.logger.lines.join('\n')).not.toContain('unhandled error');
    // A real id still reaches its page.
    expect((await s.get(`/ledgers/${s.l.id}`)).status).toBe(200);
  });

  it('an unplanned failure is a 500 page with the request id and no internals; logged once', async () => {
    const s = await setup();
    const res = await s.get('/ledgers/boom/now');
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).toContain('<h1>Something went wrong</h1>');
    expect(html).toContain(res.headers.get('x-request-id')!);
    expect(html).not.toContain('secret_table');
    expect(s.deps.logger.lines.filter((l) => l.includes('unhandled error'))).toHaveLength(1);
  });

  it('the API and scripts keep the JSON body, whatever they accept', async () => {
    const s = await setup();
    const api = await s.get('/api/v1/reports/aging?ledgerId=not-a-ledger');
    expect(api.status).toBe(400);
    expect((await api.json()).error).toMatchObject({ code: 'validation_failed', requestId: expect.any(String) });
    const script = await s.get('/reports/aging?ledgerId=not-a-ledger', { accept: '*/*' });
    expect(script.status).toBe(400);
    expect((await script.json()).error).toMatchObject({
      code: 'validation_failed',
      message: 'ledgerId is not the id of a ledger',
    });
    const missing = await s.get('/no/such/page', { accept: 'application/json' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error.code).toBe('not_found');
  });
});
