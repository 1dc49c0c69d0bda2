import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { AppDeps } from './deps.ts';
import { onError, onNotFound } from './routes/error-handler.ts';
import { type AppEnv, validationHook } from './routes/env.ts';
import { healthRoutes } from './routes/health.ts';

/** The whole HTTP surface, from injected dependencies; node.ts, worker.ts and tests all call this. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  app.use('*', requestId({ limitLength: 128 }));
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.onError(onError);
  app.notFound(onNotFound);

  // Public routes (health, provider webhooks, OAuth callbacks) are mounted before any auth middleware.
  app.route('/', healthRoutes());

  app.doc31('/api/v1/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'overdue API', version: '1' },
  });
  return app;
}

export type App = ReturnType<typeof createApp>;
