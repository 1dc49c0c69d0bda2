import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { AppError } from '../errors.ts';
import type { ServiceContext } from '../services/context.ts';
import { type Principal, SESSION_COOKIE, sessionPrincipal, tokenPrincipal } from '../services/sessions.ts';
import { assertNotBlocked, noteFailure } from './auth-failures.ts';
import { firmScoped } from './firm-scope.ts';
import type { AppEnv } from './env.ts';

export type AuthEnv = AppEnv & {
  Variables: AppEnv['Variables'] & {
    principal: Principal;
    firmScoped?: boolean;
    afterCommit?: ServiceContext['afterCommit'];
  };
};

/** Session cookie (browser) or `Authorization: Bearer odt_…` (API). Mounted after public routes. */
export const requireAuth: MiddlewareHandler<AuthEnv> = async (c, next) => {
  const { database, clock } = c.var.deps;
  const header = c.req.header('authorization');
  const cookie = getCookie(c, SESSION_COOKIE);
  // An address that has been guessing is refused before any credential is looked at.
  if (header || cookie) assertNotBlocked(c);
  let principal: Principal | null = null;
  if (header?.startsWith('Bearer ')) principal = await tokenPrincipal(database.db, header.slice(7).trim(), clock.now());
  else if (cookie) {
    // A browser's cookie goes with requests other sites make too: a write must come from here.
    if (!SAFE_METHODS.has(c.req.method)) assertSameSite(c);
    principal = await sessionPrincipal(database.db, cookie, clock.now());
  }
  if (!principal) {
    if (header || cookie) noteFailure(c);
    throw new AppError('unauthenticated', 'sign in or send an API token');
  }
  c.set('principal', principal);
  await firmScoped(c, next);
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A write authenticated by the session cookie must come from this site: a browser names the page
 * that sent it (Origin, Sec-Fetch-Site) and a page elsewhere cannot forge either. A client that
 * sends neither is not a browser, so no other site is using its cookie.
 */
function assertSameSite(c: Parameters<MiddlewareHandler<AuthEnv>>[0]) {
  const origin = c.req.header('origin');
  const ours = new Set([new URL(c.var.deps.config.publicUrl).origin, new URL(c.req.url).origin]);
  const site = c.req.header('sec-fetch-site');
  if ((origin && !ours.has(origin)) || (site && site !== 'same-origin' && site !== 'none'))
    throw new AppError('forbidden', 'a signed-in write must come from this site (use an API token from elsewhere)');
}

const RANK = { viewer: 0, member: 1, admin: 2, owner: 3 } as const;

export function requireRole(min: keyof typeof RANK, p: Principal) {
  if (RANK[p.role] < RANK[min]) throw new AppError('forbidden', `needs the ${min} role`);
}

/** The service context for the signed-in principal: every query below is scoped to its firm. */
export function serviceCtx(c: { var: AuthEnv['Variables'] }): ServiceContext {
  const { deps, principal, afterCommit } = c.var;
  return {
    afterCommit,
    db: deps.database.db,
    firmId: principal.firmId,
    actor: principal.actor,
    logger: deps.logger,
    clock: deps.clock,
    ledgerScope: principal.ledgerIds,
  };
}
