import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { csrf } from 'hono/csrf';
import { SESSION_COOKIE, sessionPrincipal } from '../../services/sessions.ts';
import type { AuthEnv } from '../auth.ts';
import { firmScoped } from '../firm-scope.ts';

/** Pages need a browser session; without one the user is sent to sign in and brought back. */
export const requireUiAuth: MiddlewareHandler<AuthEnv> = async (c, next) => {
  const cookie = getCookie(c, SESSION_COOKIE);
  const principal = cookie ? await sessionPrincipal(c.var.deps.database.db, cookie, c.var.deps.clock.now()) : null;
  if (!principal) {
    const next = c.req.method === 'GET' ? c.req.path + (new URL(c.req.url).search || '') : '/';
    return c.redirect(`/signin?next=${encodeURIComponent(next)}`, 303);
  }
  c.set('principal', principal);
  await firmScoped(c, next);
};

/**
 * Forms are protected from cross-site posts by the Origin check (the browser sets Origin on
 * every POST and a page elsewhere cannot forge it) on top of SameSite=Lax session cookies.
 */
export const formCsrf = () =>
  csrf({
    origin: (origin, c) =>
      origin === new URL((c.var as AuthEnv['Variables']).deps.config.publicUrl).origin ||
      origin === new URL(c.req.url).origin,
  });

/** Reads a posted form as plain strings (repeated fields as arrays). */
export async function formFields(c: { req: { parseBody: (o: { all: true }) => Promise<Record<string, unknown>> } }) {
  const body = await c.req.parseBody({ all: true });
  const one = (k: string) => {
    const v = body[k];
    return typeof v === 'string' ? v.trim() : Array.isArray(v) && typeof v[0] === 'string' ? v[0].trim() : '';
  };
  const many = (k: string) => {
    const v = body[k];
    return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter((x): x is string => typeof x === 'string');
  };
  return { one, many };
}

/** Same-site paths only, so a crafted link cannot bounce a user to another site. */
export const safeNext = (next: string | undefined | null, fallback = '/') =>
  next && /^\/(?!\/)[\w\-/?=&.%]*$/.test(next) ? next : fallback;

/**
 * A page's or form's `:id` as a route pattern (`/customers/:id{${ID}}`): a link with anything but
 * a UUID there matches no route and gets the not-found page, rather than reaching the database.
 */
export const ID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
