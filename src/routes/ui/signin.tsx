import { deleteCookie, getCookie } from 'hono/cookie';
import { PROVIDER_MODULES } from '../../../connectors/registry.ts';
import { EXTERNAL_PROVIDERS } from '../../../connectors/types.ts';
import { settingsOf } from '../../services/integrations.ts';
import { endSessionByCookie, SESSION_COOKIE } from '../../services/sessions.ts';
import { Layout } from '../../ui/layout.tsx';
import { type AppEnv, router } from '../env.ts';
import { formCsrf, safeNext } from './guard.ts';

/** The sign-in page and sign-out. Each way in appears only when this install offers it. */
export function signinPage() {
  const app = router<AppEnv>();
  app.get('/signin', (c) => {
    const { config } = c.var.deps;
    const next = safeNext(c.req.query('next'));
    const demo = config.demo.enabled && config.env !== 'production';
    const ways = [
      ...EXTERNAL_PROVIDERS.filter((p) => settingsOf(config, p)).map((p) => ({
        href: `/auth/${p}?next=${encodeURIComponent(next)}`,
        label: `Sign in with ${PROVIDER_MODULES[p].identityLabel}`,
      })),
      demo ? { href: `/auth/dev?next=${encodeURIComponent(next)}`, label: 'Open the demo firm' } : null,
    ].filter((w): w is { href: string; label: string } => w !== null);
    // The embedded default has one way in: the demo firm. Go straight there (not after signing out).
    if (demo && ways.length === 1 && c.req.query('signedOut') === undefined) return c.redirect(ways[0]!.href, 302);
    return c.html(
      <Layout title="Sign in">
        <section class="card">
          {ways.length ? (
            <ul>
              {ways.map((w) => (
                <li>
                  <a class="button" href={w.href}>
                    {w.label}
                  </a>
                </li>
              ))}
            </ul>
          ) : (
            <p>
              No way to sign in is configured: set XERO_CLIENT_ID and XERO_CLIENT_SECRET, or QUICKBOOKS_CLIENT_ID and
              QUICKBOOKS_CLIENT_SECRET.
            </p>
          )}
          {demo ? (
            <p class="muted">
              The demo firm is this machine's embedded sample: a simulated ledger, with mail captured in the outbox
              instead of sent.
            </p>
          ) : null}
        </section>
      </Layout>,
    );
  });
  app.post('/signout', formCsrf(), async (c) => {
    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie) await endSessionByCookie(c.var.deps.database.db, cookie);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.redirect('/signin?signedOut=1', 303);
  });
  return app;
}
