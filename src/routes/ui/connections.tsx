import { getCookie } from 'hono/cookie';
import { moduleOf } from '../../../connectors/registry.ts';
import { EXTERNAL_PROVIDERS } from '../../../connectors/types.ts';
import { settingsOf } from '../../services/integrations.ts';
import { listLedgers } from '../../services/ledgers.ts';
import { SESSION_COOKIE, sessionPrincipal } from '../../services/sessions.ts';
import { Layout } from '../../ui/layout.tsx';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { requireUiAuth } from './guard.ts';

const nameOf = (provider: string) => moduleOf(provider)?.label ?? 'Demo';
/** The providers' names as a route pattern: /apps/xero/…, /apps/quickbooks/… */
const ANY_PROVIDER = EXTERNAL_PROVIDERS.join('|');
/** Every zone this runtime knows, offered as the zone field's suggestions. */
const ZONES = Intl.supportedValuesOf('timeZone');

/**
 * The Connections page (every organisation with its state and what to do about it) and the entry
 * points the app stores link to. An app-store launch without a session goes to sign-in and comes
 * back, never to an API error.
 */
export function connectionPages() {
  const app = router<AuthEnv>();

  // App-store listings: launch (from the store), reconnect, and where a provider sends a user who
  // disconnected the app on its side (Intuit requires all three). Each starts (or resumes) the
  // consent in the browser.
  app.get(`/apps/:provider{${ANY_PROVIDER}}/:step{launch|reconnect}`, async (c) => {
    const provider = c.req.param('provider');
    const cookie = getCookie(c, SESSION_COOKIE);
    const deps = c.var.deps;
    const signedIn = cookie ? await sessionPrincipal(deps.database.db, cookie, deps.clock.now()) : null;
    const connect = `/connect/${provider}`;
    // Signed out: sign in with the same provider (a first sign-in makes the firm), then connect.
    return c.redirect(signedIn ? connect : `/auth/${provider}?next=${encodeURIComponent(connect)}`, 302);
  });
  app.get(`/apps/:provider{${ANY_PROVIDER}}/disconnected`, (c) => {
    const provider = c.req.param('provider');
    const name = nameOf(provider);
    return c.html(
      <Layout title={`${name} disconnected`}>
        <p>
          overdue no longer has access to this {name} ledger, and sends no reminders for it. What was mirrored stays
          readable in overdue until you purge it.
        </p>
        <p>
          <a href={`/apps/${provider}/reconnect`}>Connect {name} again</a> · <a href="/connections">Connections</a>
        </p>
      </Layout>,
    );
  });

  app.use('/connections', requireUiAuth);
  app.get('/connections', async (c) => {
    const ctx = serviceCtx(c);
    const { config } = c.var.deps;
    const ledgers = await listLedgers({ ctx });
    const providers = EXTERNAL_PROVIDERS.filter((p) => settingsOf(config, p));
    const canEdit = c.var.principal.role === 'owner' || c.var.principal.role === 'admin';
    return c.html(
      <Layout title="Connections" user={c.var.principal} notice={c.req.query('notice')} error={c.req.query('error')}>
        <p>
          {providers.map((p) => (
            <>
              <a class="button" href={`/connect/${p}`}>{`Connect ${nameOf(p)}`}</a>{' '}
            </>
          ))}
          {providers.length === 0 ? 'No provider is configured on this server (see the README).' : null}
        </p>
        <table>
          <thead>
            <tr>
              <th scope="col">Organisation</th>
              <th scope="col">Provider</th>
              <th scope="col">State</th>
              <th scope="col">Time zone</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {ledgers.map((l) => (
              <tr>
                <td>
                  <a href={`/ledgers/${l.id}`}>{l.name}</a>
                </td>
                <td>{nameOf(l.provider)}</td>
                <td>
                  {l.status === 'active' ? (l.pausedUntil ? `paused: ${l.pauseReason}` : 'connected') : l.status}
                  {l.statusReason ? <p class="muted">{l.statusReason}</p> : null}
                  {l.providerNotice ? <p class="muted">{l.providerNotice}</p> : null}
                </td>
                <td>
                  {canEdit ? (
                    <form method="post" action={`/ui/connections/ledgers/${l.id}/timezone`}>
                      <input
                        name="timezone"
                        list="zones"
                        value={l.timezone}
                        aria-label={`Time zone of ${l.name}`}
                        required
                      />{' '}
                      <button type="submit">{l.timezoneGuessed ? 'Confirm' : 'Change'}</button>
                    </form>
                  ) : (
                    l.timezone
                  )}
                  {l.timezoneGuessed ? (
                    <p class="muted">
                      {l.timezone} (guessed from the country: reminders go out by this zone's clock; confirm or correct
                      it)
                    </p>
                  ) : null}
                </td>
                <td>
                  {l.provider === 'demo' ? null : l.status === 'active' ? (
                    <form method="post" action={`/ui/connections/ledgers/${l.id}/disconnect`}>
                      <button type="submit">Disconnect</button>
                    </form>
                  ) : (
                    <a href={`/connect/${l.provider}`}>Reconnect</a>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {ledgers.length === 0 ? <p>No ledgers yet: connect one above.</p> : null}
        <datalist id="zones">
          {ZONES.map((z) => (
            <option value={z} />
          ))}
        </datalist>
      </Layout>,
    );
  });

  return app;
}
