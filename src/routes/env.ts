import { OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { RequestIdVariables } from 'hono/request-id';
import type { FailureLimiter } from '../lib/failure-limiter.ts';
import type { AppDeps } from '../deps.ts';
import { ValidationError } from '../errors.ts';
import { errorBody, zodIssues } from './error-handler.tsx';

/** Hono environment shared by every sub-app: dependencies are in `c.var.deps`. */
export type AppEnv = { Variables: RequestIdVariables & { deps: AppDeps; authFailures: FailureLimiter } };

type Issues = readonly { path: readonly PropertyKey[]; message: string }[];

/** A zod failure on any declared route: 400 with the field paths, in the one error shape. */
export const validationHook = <E extends AppEnv>(
  result: { success: boolean; error?: { issues: Issues } },
  c: Context<E>,
) => {
  if (!result.success) {
    return c.json(errorBody(c, 'validation_failed', 'request is invalid', zodIssues(result.error!.issues)), 400);
  }
};

/** Every sub-app is made here so each gets the same validation hook. */
export function router<E extends AppEnv = AppEnv>(): OpenAPIHono<E> {
  return new OpenAPIHono<E>({ defaultHook: validationHook });
}

/** OpenAPI response and request-body declarations, JSON only (every API route's shape). */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
export const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { 'application/json': { schema } },
});

/**
 * A receiver's address: https, or plain http to this machine (a receiver's test endpoint, only
 * where the operator allows it: see `receiverAllowed`). Where it resolves is checked again at
 * each delivery (src/services/outbound/guarded-fetch.ts).
 */
export const receiverUrl = z.url().refine((u) => {
  const url = new URL(u);
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname))
  );
}, 'an https:// URL');

/** Plain http to this machine is a development receiver: refused unless ALLOW_LOOPBACK_RECEIVERS. */
export function assertReceiverAllowed(url: string | undefined, config: AppDeps['config']) {
  if (url?.startsWith('http:') && !config.allowLoopbackReceivers)
    throw new ValidationError('an https:// URL (http:// to this machine needs ALLOW_LOOPBACK_RECEIVERS=true)', [
      { path: 'url', message: 'https required' },
    ]);
}
