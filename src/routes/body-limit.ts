import type { MiddlewareHandler } from 'hono';
import { bodyLimit as streamingBodyLimit } from 'hono/body-limit';

/**
 * Hono's bodyLimit, minus its cost on Node for the common case. It reads `c.req.raw.body`
 * first, which on @hono/node-server turns the request into a full web Request with a
 * ReadableStream; the body can then no longer be read straight off the socket. A request
 * that declares its length is judged on the header alone; only a chunked body (no length
 * known up front) goes through the streaming check.
 */
export function bodyLimit(opts: { maxSize: number; onError: () => never }): MiddlewareHandler {
  const streaming = streamingBodyLimit(opts);
  return async (c, next) => {
    const declared = c.req.header('content-length');
    if (declared === undefined || c.req.header('transfer-encoding') !== undefined) return streaming(c, next);
    if (!/^\d+$/.test(declared) || Number(declared) > opts.maxSize) opts.onError();
    await next();
  };
}
