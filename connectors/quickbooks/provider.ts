import { verifyHmacBase64 } from '../../webhooks/verify.ts';
import type { ProviderModule } from '../module.ts';
import { QUICKBOOKS_LIMITS, RateLimiter } from '../shared/ratelimit.ts';
import type { Lane, ProviderPort } from '../types.ts';
import { QboApi } from './client.ts';
import { QuickBooksConnector } from './connector.ts';
import { INTUIT_SIGNIN_SCOPES, QuickBooksOAuth } from './oauth.ts';
import { parseQuickBooksDelivery } from './webhook.ts';

export type QuickBooksSettings = {
  clientId: string;
  clientSecret: string;
  environment: 'sandbox' | 'production';
  webhookVerifier?: string;
};

/** QuickBooks Online: one consent connects one company (realm); the grant is the realm's. */
export const quickbooksProvider: ProviderModule<QuickBooksSettings> = {
  id: 'quickbooks',
  label: 'QuickBooks',
  identityLabel: 'Intuit',
  limits: QUICKBOOKS_LIMITS,
  webhook: {
    signatureHeader: 'intuit-signature',
    setting: 'QUICKBOOKS_WEBHOOK_VERIFIER',
    // Intuit waits 3 s for an answer: room is left for the network.
    ackBudgetMs: 2_500,
    secret: (s) => s.webhookVerifier,
    verify: verifyHmacBase64,
    parse: parseQuickBooksDelivery,
  },
  unappliedPaymentsAreCredit: true,
  grantLifetime: 'Intuit limits a connection to five years',
  create(deps): ProviderPort {
    const app = {
      clientId: deps.settings.clientId,
      clientSecret: deps.settings.clientSecret,
      environment: deps.settings.environment,
    };
    const oauth = new QuickBooksOAuth({ ...app, redirectUri: `${deps.publicUrl}/callback/quickbooks` });
    const signIn = new QuickBooksOAuth(
      { ...app, redirectUri: `${deps.publicUrl}/auth/callback/quickbooks` },
      INTUIT_SIGNIN_SCOPES,
    );
    const limiter = new RateLimiter(deps.clock, QUICKBOOKS_LIMITS);
    const shared = deps.shared?.(QUICKBOOKS_LIMITS);
    const api = (connectionId: string, lane?: Lane) =>
      new QboApi({
        accessToken: (o) => deps.accessToken(connectionId, o),
        limiter,
        shared,
        lane,
        clock: deps.clock,
        sandbox: deps.settings.environment === 'sandbox',
        random: deps.random,
        timeoutMs: deps.timeoutMs,
      });
    const connector = (
      connectionId: string,
      realm: { realmId: string; timezone: string; baseCurrency: string },
      lane?: Lane,
    ) => new QuickBooksConnector(api(connectionId, lane), { ...realm, now: () => deps.now() });
    return {
      provider: 'quickbooks',
      authorizationUrl: (state, challenge) => oauth.authorizationUrl(state, challenge),
      async completeConsent(url, _state, verifier, now) {
        const { tokens, realmId } = await oauth.exchange(url, verifier, now);
        return {
          tokens,
          // One grant per realm: reconnecting a company updates its connection.
          grantId: `realm:${realmId}`,
          tenants: (connectionId) =>
            connector(connectionId, { realmId, timezone: 'UTC', baseCurrency: 'USD' }).listLedgers(),
        };
      },
      signIn: {
        authorizationUrl: (state, challenge) => signIn.authorizationUrl(state, challenge),
        identify: (url, _state, verifier) => signIn.identify(url, verifier),
      },
      refresh: (token, now) => oauth.refresh(token, now),
      revoke: (token) => oauth.revoke(token),
      connector: (connectionId, tenant, lane) =>
        connector(
          connectionId,
          { realmId: tenant.externalId, timezone: tenant.timezone, baseCurrency: tenant.baseCurrency },
          lane,
        ),
    };
  },
};
