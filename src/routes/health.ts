import { createRoute, z } from '@hono/zod-openapi';
import { sql } from 'drizzle-orm';
import { migrationsApplied } from '../db/migration-status.ts';
import { router } from './env.ts';

const healthz = createRoute({
  method: 'get',
  path: '/healthz',
  summary: 'The process is up',
  responses: {
    200: { description: 'up', content: { 'application/json': { schema: z.object({ ok: z.literal(true) }) } } },
  },
});

const ReadyBody = z.object({ ok: z.boolean(), database: z.boolean(), migrations: z.boolean() });
const readyz = createRoute({
  method: 'get',
  path: '/readyz',
  summary: 'The database is reachable and every migration is applied',
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
    const body = { ok: dbOk && migrations, database: dbOk, migrations };
    return c.json(body, body.ok ? 200 : 503);
  });
  return app;
}
