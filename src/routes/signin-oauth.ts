import { EXTERNAL_PROVIDERS } from '../../connectors/types.ts';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { AppError, ValidationError } from '../errors.ts';
import { assertNotBlocked, noteFailure } from './auth-failures.ts';
import { randomToken } from '../lib/secrets.ts';
import { completeSignIn, startSignIn } from '../services/signin.ts';
import { type AppEnv, router } from './env.ts';
import { setSessionCookie } from './session-cookie.ts';
import { safeNext } from './ui/guard.ts';

/** Ties a sign-in's state to the browser that started it (short-lived, HttpOnly). */
const BROWSER_COOKIE = 'overdue_signin';
const Provider = z.enum(EXTERNAL_PROVIDERS);

/** Sign in with Xero or Intuit (OpenID Connect through the same apps as the ledger connections). Public routes. */
export function signInRoutes() {
  const app = router<AppEnv>();
  app.get('/auth/:provider', async (c, next) => {
    const provider = Provider.safeParse(c.req.param('provider'));
    if (!provider.success) return next();
    const { database, cipher, integrations, clock, config } = c.var.deps;
    const browser = randomToken();
    setCookie(c, BROWSER_COOKIE, browser, {
      httpOnly: true,
      sameSite: 'Lax',
      secure: config.publicUrl.startsWith('https://'),
      path: '/auth',
      maxAge: 600,
    });
    const url = await startSignIn(
      { db: database.db, cipher, integrations, now: clock.now() },
      { provider: provider.data, browser, next: safeNext(c.req.query('next')) },
    );
    return c.redirect(url, 302);
  });
  app.get('/auth/callback/:provider', async (c) => {
    const provider = Provider.safeParse(c.req.param('provider'));
    if (!provider.success) throw new AppError('not_found', 'no such sign-in provider');
    const { database, cipher, integrations, clock } = c.var.deps;
    assertNotBlocked(c);
    const done = await completeSignIn(
      { db: database.db, cipher, integrations, now: clock.now() },
      { provider: provider.data, callbackUrl: c.req.url, browser: getCookie(c, BROWSER_COOKIE) ?? null },
    ).catch((err: unknown) => {
      // A failed sign-in (unknown or replayed state, another browser's): counted against the address.
      if (err instanceof ValidationError) noteFailure(c);
      throw err;
    });
    deleteCookie(c, BROWSER_COOKIE, { path: '/auth' });
    setSessionCookie(c, done.token);
    // "Sign up with Xero / Intuit": a first sign-in made the person's firm; it has no ledger yet,
    // so they go on to connect one with the same provider rather than to an empty portfolio.
    const next = done.created && safeNext(done.next) === '/' ? `/connect/${provider.data}` : safeNext(done.next);
    return c.redirect(next, 302);
  });
  return app;
}
