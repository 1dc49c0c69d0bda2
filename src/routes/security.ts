import type { MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { AppError } from '../errors.ts';
import { bodyLimit } from './body-limit.ts';

const CSP = [
  "default-src 'none'",
  "style-src 'unsafe-inline'",
  "img-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const baseHeaders = secureHeaders({
  xFrameOptions: 'DENY',
  referrerPolicy: 'same-origin',
  xContentTypeOptions: 'nosniff',
  strictTransportSecurity: 'max-age=31536000',
  crossOriginResourcePolicy: 'same-origin',
});

/**
 * Headers on every answer. The pages are rendered on the server with no script at all, so the
 * policy allows none; styles are inline (one stylesheet block, a few style attributes); nothing
 * may frame the dashboard (clickjacking an approval); forms post only here. A route that sets a
 * policy of its own (the printable case statement) keeps it.
 */
export const pageSecurityHeaders: MiddlewareHandler = async (c, next) => {
  await baseHeaders(c, next);
  if (!c.res.headers.has('content-security-policy')) c.res.headers.set('content-security-policy', CSP);
};

/**
 * A bound on request bodies, checked on the declared length (or while streaming a chunked one)
 * before anything buffers the body: a 413 with the limit in words. `except` leaves paths with a
 * bound of their own (a CSV upload) to it.
 */
export function limitBody(maxSize: number, except?: (path: string) => boolean): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError('payload_too_large', `the request body is larger than ${Math.round(maxSize / 1024)} KB`);
    },
  });
  return async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD' || except?.(c.req.path)) return next();
    return limit(c, next);
  };
}
