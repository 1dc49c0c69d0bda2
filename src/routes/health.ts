import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { migrationsApplied } from '../db/migration-status.ts';
import { refusedCredentials } from '../services/provider-health.ts';
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
    const { database } = c.var.deps;
    const dbOk = await database.db
      .execute(sql`select 1`)
      .then(() => true)
      .catch(() => false);
    const migrations = dbOk && (await migrationsApplied(database));
    const providers = migrations ? await refusedCredentials(database.db).catch(() => []) : [];
    const body = { ok: dbOk && migrations, database: dbOk, migrations, providers };
    return c.json(body, body.ok ? 200 : 503);
  });
  return app;
}
