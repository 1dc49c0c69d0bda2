import { EXTERNAL_PROVIDERS } from '../../connectors/types.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { getCookie } from 'hono/cookie';
import { AppError, ValidationError } from '../errors.ts';
import { assertNotBlocked, noteFailure } from './auth-failures.ts';
import { sha256 } from '../lib/secrets.ts';
import { completeConnect, startConnect } from '../services/connect.ts';
import { SESSION_COOKIE, sessionPrincipal } from '../services/sessions.ts';
import { router } from './env.ts';

const Provider = z.object({ provider: z.enum(EXTERNAL_PROVIDERS) });

/** Consent start and provider callbacks: public routes, mounted before the API's auth middleware. */
export function oauthRoutes() {
  const app = router();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/connect/{provider}',
      summary: 'Start connecting a ledger (redirects to the provider consent screen)',
      request: { params: Provider },
      responses: {
        302: { description: 'to the provider' },
        303: { description: 'no session: to sign-in, then back' },
        400: { description: 'not a provider this service connects to' },
      },
    }),
    async (c) => {
      const deps = c.var.deps;
      const cookie = getCookie(c, SESSION_COOKIE);
      const principal = cookie ? await sessionPrincipal(deps.database.db, cookie, deps.clock.now()) : null;
      // A browser arriving without a session (an app-store link, a bookmark) signs in and comes back.
      if (!principal?.sessionId)
        return c.redirect(`/signin?next=${encodeURIComponent(`/connect/${c.req.valid('param').provider}`)}`, 303);
      if (principal.role === 'viewer' || principal.role === 'member')
        throw new AppError('forbidden', 'only owners and admins connect ledgers');
      const url = await startConnect(
        {
          ctx: {
            db: deps.database.db,
            firmId: principal.firmId,
            actor: principal.actor,
            logger: deps.logger,
            clock: deps.clock,
          },
          input: { provider: c.req.valid('param').provider, sessionId: principal.sessionId },
        },
        deps,
      );
      return c.redirect(url, 302);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/callback/{provider}',
      summary: 'Provider consent callback',
      request: { params: Provider },
      responses: {
        302: { description: 'connected; back to the app' },
        400: { description: 'bad, expired or replayed state' },
      },
    }),
    async (c) => {
      const deps = c.var.deps;
      const cookie = getCookie(c, SESSION_COOKIE);
      const provider = c.req.valid('param').provider;
      assertNotBlocked(c);
      const result = await completeConnect(
        {
          ctx: { db: deps.database.db, logger: deps.logger, clock: deps.clock },
          input: { provider, callbackUrl: c.req.url, sessionId: cookie ? sha256(cookie) : null },
        },
        deps,
      ).catch((err: unknown) => {
        // A state that is unknown, used or from another session: counted, as a guess would be.
        if (err instanceof ValidationError) noteFailure(c);
        throw err;
      });
      const added = result.ledgers.filter((l) => l.created).length;
      const skipped = result.unavailable.length ? `&unavailable=${result.unavailable.length}` : '';
      return c.redirect(`/?connected=${provider}&ledgers=${result.ledgers.length}&added=${added}${skipped}`, 302);
    },
  );
  return app;
}
