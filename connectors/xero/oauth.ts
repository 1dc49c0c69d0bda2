import type { XeroClient } from 'xero-node';
import { newXeroClient } from './sdk.ts';
import { tokenEndpointError } from '../shared/token-errors.ts';
import { DEFAULT_PROVIDER_TIMEOUT_MS, withDeadline } from '../shared/deadline.ts';
import { ConnectorError, type TokenSet } from '../types.ts';
import { parseFailure } from './client.ts';

/** Read what we mirror; write only invoices, for the history notes we add. */
const XERO_SCOPES = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'accounting.invoices',
  'accounting.payments.read',
  'accounting.contacts.read',
  'accounting.settings.read',
];

export type XeroAppCredentials = { clientId: string; clientSecret: string; redirectUri: string };
/** Sign in with Xero: who the person is, nothing of their organisations. */
export const XERO_SIGNIN_SCOPES = ['openid', 'profile', 'email'];
export type XeroIdentity = { userId?: string; email?: string; name?: string };

/**
 * The consent an access token came from (its `authentication_event_id` claim): GET /connections
 * lists every organisation the user connected to this app, and this says which were this consent's.
 * Read, not verified: the token came straight from Xero's token endpoint.
 */
export function authEventOf(accessToken: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof claims?.authentication_event_id === 'string' ? claims.authentication_event_id : undefined;
  } catch {
    return undefined;
  }
}

function tokenSetFrom(
  t: { access_token?: string; refresh_token?: string; expires_at?: number; expires_in?: number; scope?: string },
  now: number,
): TokenSet {
  if (!t.access_token || !t.refresh_token) {
    throw new ConnectorError('malformed_response', 'token response without tokens', { provider: 'xero' });
  }
  // Seconds remaining, applied to our clock (openid-client's TokenSet derives it from its own).
  const remaining =
    typeof t.expires_in === 'number' ? t.expires_in : t.expires_at ? t.expires_at - Date.now() / 1000 : 1800;
  const expiresAt = now + Math.round(remaining) * 1000;
  return {
    accessToken: t.access_token,
    refreshToken: t.refresh_token,
    accessExpiresAt: new Date(expiresAt),
    // Xero refresh tokens expire after 60 days unused.
    refreshExpiresAt: new Date(now + 60 * 86_400_000),
    scopes: (t.scope ?? '').split(' ').filter(Boolean),
  };
}

function oauthError(err: unknown): ConnectorError {
  if (err instanceof ConnectorError) return err;
  const e = err as { error?: string; error_description?: string; name?: string };
  // openid-client's RPError: the provider's answer failed verification (id_token signature,
  // issuer, audience, state). Never treated as success, never retried.
  if (e?.name === 'RPError')
    return new ConnectorError('unauthorized', 'the Xero sign-in response could not be verified', {
      provider: 'xero',
      providerCode: 'verification_failed',
    });
  // openid-client raises OPError with the provider's `error` code; axios errors carry a response.
  const f = parseFailure(err);
  const body = f.body as { error?: string } | undefined;
  const status = f.status || (e as { response?: { statusCode?: number } })?.response?.statusCode;
  return tokenEndpointError('xero', { status, error: body?.error ?? e?.error }, err);
}

/** OAuth 2.0 with Xero through xero-node (discovery, consent URL with PKCE, code exchange, refresh, revoke). */
export class XeroOAuth {
  private client?: Promise<XeroClient>;

  constructor(
    private readonly app: XeroAppCredentials,
    private readonly scopes: string[] = XERO_SCOPES,
    private readonly timeoutMs = DEFAULT_PROVIDER_TIMEOUT_MS,
  ) {}

  private xero(): Promise<XeroClient> {
    // Discovery is fetched once per process; a failed attempt is not cached.
    this.client ??= newXeroClient({
      clientId: this.app.clientId,
      clientSecret: this.app.clientSecret,
      redirectUris: [this.app.redirectUri],
      scopes: this.scopes,
      httpTimeout: 10_000,
    })
      .then((xero) => xero.initialize())
      .catch((err: unknown) => {
        this.client = undefined;
        throw oauthError(err);
      });
    return this.client;
  }

  async authorizationUrl(state: string, codeChallenge: string): Promise<string> {
    const xero = await this.xero();
    return xero.openIdClient.authorizationUrl({
      redirect_uri: this.app.redirectUri,
      scope: this.scopes.join(' '),
      state,
      code_challenge: codeChallenge,
      code_challenge_method: 'S256',
    });
  }

  /** Exchanges the code (the id_token is verified by openid-client) and returns tokens and who consented. */
  async exchange(
    callbackUrl: string,
    state: string,
    codeVerifier: string,
    now: number,
  ): Promise<{ tokens: TokenSet; identity: XeroIdentity }> {
    const xero = await this.xero();
    try {
      const params = xero.openIdClient.callbackParams(callbackUrl);
      const set = await xero.openIdClient.callback(this.app.redirectUri, params, {
        state,
        code_verifier: codeVerifier,
      });
      const claims = set.id_token ? set.claims() : ({} as Record<string, unknown>);
      return {
        tokens: tokenSetFrom(set, now),
        identity: {
          userId: (claims.xero_userid as string | undefined) ?? (claims.sub as string | undefined),
          email: claims.email as string | undefined,
          name: [claims.given_name, claims.family_name].filter(Boolean).join(' ') || undefined,
        },
      };
    } catch (err) {
      throw oauthError(err);
    }
  }

  /**
   * Sign-in: exchanges the code and returns who signed in, from the id_token that openid-client
   * verified (signature, issuer, audience, expiry). No tokens are kept.
   */
  async identify(
    callbackUrl: string,
    state: string,
    codeVerifier: string,
  ): Promise<{ subject: string; email?: string; name?: string }> {
    const xero = await this.xero();
    try {
      const params = xero.openIdClient.callbackParams(callbackUrl);
      const set = await xero.openIdClient.callback(this.app.redirectUri, params, {
        state,
        code_verifier: codeVerifier,
      });
      if (!set.id_token) throw new ConnectorError('malformed_response', 'Xero sent no id_token', { provider: 'xero' });
      const claims = set.claims();
      return {
        subject: String(claims.sub),
        email: claims.email_verified === false ? undefined : (claims.email as string | undefined),
        name: [claims.given_name, claims.family_name].filter(Boolean).join(' ') || undefined,
      };
    } catch (err) {
      throw oauthError(err);
    }
  }

  /** One refresh; callers serialise refreshes per connection (Xero refresh tokens are single-use). */
  async refresh(refreshToken: string, now: number): Promise<TokenSet> {
    const xero = await newXeroClient();
    try {
      const set = await xero.refreshWithRefreshToken(this.app.clientId, this.app.clientSecret, refreshToken);
      return tokenSetFrom(set, now);
    } catch (err) {
      throw oauthError(err);
    }
  }

  async revoke(refreshToken: string): Promise<void> {
    const xero = await this.xero();
    try {
      await xero.openIdClient.revoke(refreshToken, 'refresh_token');
    } catch (err) {
      throw oauthError(err);
    }
  }

  /** Removes one organisation from the grant (DELETE /connections/{id}). */
  async deleteConnection(accessToken: string, connectionRef: string): Promise<void> {
    const xero = await newXeroClient();
    xero.setTokenSet({ access_token: accessToken });
    try {
      await withDeadline('xero', this.timeoutMs, 'Xero disconnect', () => xero.disconnect(connectionRef));
    } catch (err) {
      const e = oauthError(err);
      if (e.status === 404) return; // already gone
      throw e;
    }
  }
}
