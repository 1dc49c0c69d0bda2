import { verifyHmacBase64 } from '../../webhooks/verify.ts';
import type { ProviderModule } from '../module.ts';
import { RateLimiter, XERO_LIMITS } from '../shared/ratelimit.ts';
import type { Lane, ProviderPort } from '../types.ts';
import { XeroApi } from './client.ts';
import { XeroConnector } from './connector.ts';
import { authEventOf, XERO_SIGNIN_SCOPES, XeroOAuth } from './oauth.ts';
import { parseXeroDelivery } from './webhook.ts';

export type XeroSettings = { clientId: string; clientSecret: string; webhookKey?: string };

/** Xero: one consent may connect several organisations; each is a tenant of the grant. */
export const xeroProvider: ProviderModule<XeroSettings> = {
  id: 'xero',
  label: 'Xero',
  identityLabel: 'Xero',
  limits: XERO_LIMITS,
  webhook: {
    signatureHeader: 'x-xero-signature',
    setting: 'XERO_WEBHOOK_KEY',
    // Xero waits 5 s for an answer: room is left for the network.
    ackBudgetMs: 4_000,
    secret: (s) => s.webhookKey,
    verify: verifyHmacBase64,
    parse: parseXeroDelivery,
  },
  unappliedPaymentsAreCredit: false,
  create(deps): ProviderPort {
    const app = { clientId: deps.settings.clientId, clientSecret: deps.settings.clientSecret };
    const oauth = new XeroOAuth({ ...app, redirectUri: `${deps.publicUrl}/callback/xero` }, undefined, deps.timeoutMs);
    const signIn = new XeroOAuth(
      { ...app, redirectUri: `${deps.publicUrl}/auth/callback/xero` },
      XERO_SIGNIN_SCOPES,
      deps.timeoutMs,
    );
    const limiter = new RateLimiter(deps.clock, XERO_LIMITS);
    const shared = deps.shared?.(XERO_LIMITS);
    const api = (connectionId: string, lane?: Lane) =>
      new XeroApi({
        accessToken: (o) => deps.accessToken(connectionId, o),
        limiter,
        shared,
        lane,
        clock: deps.clock,
        random: deps.random,
        timeoutMs: deps.timeoutMs,
      });
    return {
      provider: 'xero',
      authorizationUrl: (state, challenge) => oauth.authorizationUrl(state, challenge),
      async completeConsent(url, state, verifier, now) {
        const { tokens, identity } = await oauth.exchange(url, state, verifier, now);
        // GET /connections lists every organisation this user ever connected to the app: only
        // those of this consent (its authentication event) are its tenants.
        const authEventId = authEventOf(tokens.accessToken);
        return {
          tokens,
          grantId: identity.userId,
          tenants: (connectionId) =>
            new XeroConnector(api(connectionId), { timezone: 'UTC' }).listLedgers({ authEventId }),
        };
      },
      signIn: {
        authorizationUrl: (state, challenge) => signIn.authorizationUrl(state, challenge),
        identify: (url, state, verifier) => signIn.identify(url, state, verifier),
      },
      refresh: (token, now) => oauth.refresh(token, now),
      revoke: (token) => oauth.revoke(token),
      disconnectTenant: (accessToken, ref) => oauth.deleteConnection(accessToken, ref),
      connector: (connectionId, tenant, lane) =>
        new XeroConnector(api(connectionId, lane), { timezone: tenant.timezone, pageSize: deps.pageSize }),
    };
  },
};
