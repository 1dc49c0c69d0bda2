import { AppError } from '../errors.ts';
import type { FailureLimiter } from '../lib/failure-limiter.ts';

/** What these checks read of a request, whichever environment its route declares. */
type Ctx = {
  env: unknown;
  req: { header(name: string): string | undefined };
  var: { authFailures: FailureLimiter };
};

/** The peer's address on @hono/node-server (its socket); undefined in-process or on Workers. */
export function socketAddress(env: unknown): string | undefined {
  return (env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming?.socket?.remoteAddress;
}

/**
 * The client's address: the socket's on @hono/node-server, Cloudflare's CF-Connecting-IP on
 * Workers (set by Cloudflare's edge, not by the client); 'unknown' in-process (tests).
 */
function clientAddress(c: Ctx): string {
  const hasSocket = (c.env as { incoming?: { socket?: unknown } } | undefined)?.incoming?.socket !== undefined;
  if (hasSocket) return socketAddress(c.env) ?? 'unknown';
  return c.req.header('cf-connecting-ip') ?? 'unknown';
}

/** Refuses an address that failed too many credential checks lately (429 with Retry-After). */
export function assertNotBlocked(c: Ctx) {
  const waitMs = c.var.authFailures.retryAfterMs(clientAddress(c));
  if (waitMs > 0)
    throw new AppError('too_many_requests', 'too many failed sign-in attempts from this address; try again later', {
      retryAfterSeconds: Math.ceil(waitMs / 1000),
    });
}

/** Counts a failed credential check (a bad API token, session or OAuth state) against the address. */
export function noteFailure(c: Ctx) {
  c.var.authFailures.fail(clientAddress(c));
}
