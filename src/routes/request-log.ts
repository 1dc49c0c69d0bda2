import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './env.ts';

/** A path segment that looks like a secret (an opt-out or invitation token), not an id. */
const SECRETISH = /^[A-Za-z0-9_-]{24,}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Probes a load balancer sends every few seconds: logged at debug only. */
const PROBES = new Set(['/healthz', '/readyz']);

/**
 * A path as the logs may keep it: ids stay (they are what one searches by), token-like segments
 * become `[redacted]`, and the query string is dropped (OAuth callbacks carry a code and state).
 */
function loggablePath(path: string): string {
  return path
    .split('/')
    .map((seg) => (SECRETISH.test(seg) && !UUID.test(seg) ? '[redacted]' : seg))
    .join('/');
}

/**
 * One line per request once it is answered: request id, method, path (redacted), status and
 * time taken. Health probes at debug; server errors at error, except a 503 (a deliberate "retry
 * later", which a webhook flood answers many of) at warn with client errors; the rest at info.
 * Headers and bodies are never logged.
 */
export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const { logger } = c.var.deps;
  const status = c.res.status;
  const fields = {
    requestId: c.get('requestId'),
    method: c.req.method,
    path: loggablePath(c.req.path),
    status,
    ms: Math.round((performance.now() - started) * 10) / 10,
  };
  if (status >= 500 && status !== 503) logger.error('request', fields);
  else if (PROBES.has(c.req.path)) logger.debug('request', fields);
  else if (status >= 400) logger.warn('request', fields);
  else logger.info('request', fields);
};
