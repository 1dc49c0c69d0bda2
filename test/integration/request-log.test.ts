import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createLogger, type LogLevel } from '../../src/lib/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeFirm } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function appAt(level: LogLevel) {
  const lines: Record<string, unknown>[] = [];
  const deps = await testDeps(database);
  const logger = createLogger(level, (l) => lines.push(JSON.parse(l)));
  return { app: createApp({ ...deps, logger }), lines, requests: () => lines.filter((l) => l.msg === 'request') };
}

describe('request logs', () => {
  it('log one line per request with its id, method, path, status and time, and nothing secret', async () => {
    const { app, requests } = await appAt('info');
    const user = await signedIn(database.db, (await makeFirm(database.db)).id);
    const res = await app.request('/api/v1/ledgers', { headers: { cookie: user.cookie } });
    expect(requests()).toEqual([
      {
        t: expect.any(String),
        level: 'info',
        msg: 'request',
        requestId: res.headers.get('x-request-id'),
        method: 'GET',
        path: '/api/v1/ledgers',
        status: 200,
        ms: expect.any(Number),
      },
    ]);

    const token = 'Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5';
    await app.request(`/unsubscribe/${token}`);
    await app.request('/callback/xero?code=secret-code-123&state=secret-state-456');
    await app.request('/api/v1/ledgers'); // no session: 401
    const text = JSON.stringify(requests());
    expect(text).toContain('/unsubscribe/[redacted]');
    for (const secret of [token, 'secret-code-123', 'secret-state-456', user.cookie])
      expect(text).not.toContain(secret);
    expect(requests().at(-1)).toMatchObject({ level: 'warn', status: 401, path: '/api/v1/ledgers' });
  });

  it('keeps health probes out of the info log; debug shows them', async () => {
    const info = await appAt('info');
    await info.app.request('/healthz');
    expect(info.requests()).toEqual([]);
    const debug = await appAt('debug');
    await debug.app.request('/healthz');
    expect(debug.requests()).toEqual([expect.objectContaining({ level: 'debug', path: '/healthz', status: 200 })]);
  });
});
