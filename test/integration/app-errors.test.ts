import { createRoute, z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { NotFoundError } from '../../src/errors.ts';
import { router } from '../../src/routes/env.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** A sub-app shaped like the real ones, to drive the shared validation and error paths. */
function probeRoutes() {
  const r = router();
  r.openapi(
    createRoute({
      method: 'post',
      path: '/probe/{id}',
      request: {
        params: z.object({ id: z.uuid() }),
        body: {
          content: {
            'application/json': { schema: z.object({ amount: z.string().regex(/^\d+\.\d{2}$/), when: z.iso.date() }) },
          },
        },
      },
      responses: {
        200: { description: 'ok', content: { 'application/json': { schema: z.object({ ok: z.boolean() }) } } },
      },
    }),
    (c) => c.json({ ok: true }, 200),
  );
  r.get('/missing', () => {
    throw new NotFoundError('invoice');
  });
  r.get('/boom', () => {
    throw new Error('select * from secret_table where password = hunter2');
  });
  return r;
}

async function appWithProbe() {
  const deps = await testDeps(database);
  const app = createApp(deps);
  app.route('/', probeRoutes());
  return { app, logger: deps.logger };
}

describe('HTTP error shape', () => {
  it('answers /healthz with a request id header', async () => {
    const res = await createApp(await testDeps(database)).request('/healthz');
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toMatch(/.+/);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('keeps a caller-supplied request id', async () => {
    const res = await createApp(await testDeps(database)).request('/healthz', {
      headers: { 'x-request-id': 'abc-123' },
    });
    expect(res.headers.get('x-request-id')).toBe('abc-123');
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await createApp(await testDeps(database)).request('/nope', { headers: { 'x-request-id': 'r1' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      error: { code: 'not_found', message: 'no route for GET /nope', requestId: 'r1' },
    });
  });

  it('turns zod failures into 400 with field paths', async () => {
    const { app } = await appWithProbe();
    const res = await app.request('/probe/not-a-uuid', { method: 'POST' });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; issues: { path: string }[] } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.issues.map((i) => i.path)).toEqual(['id']);

    const res2 = await app.request('/probe/2a7c1c6e-3c57-4a55-9a0e-6a0ad2b1e001', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 12.5, when: '2026-02-30' }),
    });
    expect(res2.status).toBe(400);
    const body2 = (await res2.json()) as { error: { issues: { path: string }[] } };
    expect(body2.error.issues.map((i) => i.path).sort()).toEqual(['amount', 'when']);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const { app } = await appWithProbe();
    const res = await app.request('/probe/2a7c1c6e-3c57-4a55-9a0e-6a0ad2b1e001', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"amount": ',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('bad_request');
  });

  it('maps domain errors without knowing HTTP in the domain', async () => {
    const { app } = await appWithProbe();
    const res = await app.request('/missing');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe('invoice not found');
  });

  it('hides internals of unexpected errors but logs them with the request id', async () => {
    const { app, logger } = await appWithProbe();
    const res = await app.request('/boom', { headers: { 'x-request-id': 'boom-1' } });
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({ error: { code: 'internal', message: 'internal error', requestId: 'boom-1' } });
    expect(text).not.toMatch(/secret_table|hunter2|at .*\.ts/);
    expect(logger.lines.some((l) => l.includes('boom-1'))).toBe(true);
  });

  it('publishes an OpenAPI document', async () => {
    const res = await createApp(await testDeps(database)).request('/api/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/healthz',
        '/readyz',
        '/api/v1/ledgers/{id}/risk',
        '/api/v1/ledgers/{id}/history-imports',
        '/api/v1/agencies',
        '/api/v1/handoffs/{id}/approve',
        '/api/v1/handoffs/{id}/export',
      ]),
    );
  });
});
