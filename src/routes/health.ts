import { createRoute, z } from '@hono/zod-openapi';
import { readiness } from '../services/readiness.ts';
import { router } from './env.ts';

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'The process is up',
  responses: {
    200: { description: 'up', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } },
  },
});

const ReadyBody = z.object({
  ok: z.boolean(),
  database: z.boolean(),
  migrations: z.boolean(),
  providers: z
    .array(
      z.object({
        provider: z.string(),
        connections: z.number().int(),
        since: z.string().nullable(),
        problem: z.string(),
      }),
    )
    .openapi({
      description:
        "Providers refusing this service's app credentials (a rotated client secret): the operator's to fix. " +
        'Does not make the service unready: webhooks are still received and stored.',
    }),
});
const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'The database is reachable and every migration is applied; provider credential problems in detail',
  responses: {
    200: { description: 'ready', content: { 'application/json': { schema: ReadyBody } } },
    503: { description: 'not ready', content: { 'application/json': { schema: ReadyBody } } },
  },
});

export function healthRoutes() {
  const app = router();
  app.openapi(healthz, (c) => c.json({ ok: true as const }, 200));
  app.openapi(readyz, async (c) => {
    const body = await readiness(c.var.deps.database);
    return c.json(body, body.ok ? 200 : 503);
  });
  return app;
}
