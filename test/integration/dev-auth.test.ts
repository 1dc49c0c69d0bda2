import { afterAll, beforeAll, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { ensureDemoLedger } from '../../src/services/demo.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

it('signs in as the demo user and goes only to a path on this site', async () => {
  const deps = await testDeps(database, { config: testConfig({ DEMO_LEDGER: 'true' }) });
  await ensureDemoLedger(database.db, deps.clock, 42);
  const app = createApp(deps);
  const res = await app.request('/auth/dev?next=/outbox');
  expect(res.status).toBe(302);
  expect(res.headers.get('location')).toBe('/outbox');
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  expect((await app.request('/outbox', { headers: { cookie } })).status).toBe(200);
  for (const next of ['//evil.example', 'https://evil.example', '/\\evil.example', 'javascript:alert(1)']) {
    const r = await app.request(`/auth/dev?next=${encodeURIComponent(next)}`);
    expect(r.headers.get('location')).toBe('/');
  }
});
