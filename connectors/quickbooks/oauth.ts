import type OAuthClient from 'intuit-oauth';
import { tokenEndpointError } from '../shared/token-errors.ts';
import { ConnectorError, type Identity, type TokenSet } from '../types.ts';

/** Accounting data plus OpenID (the consenting user's identity, for sign-in). */
const QUICKBOOKS_SCOPES = ['com.intuit.quickbooks.accounting', 'openid', 'email'];

/** Sign in with Intuit: who the person is, no company data. */
export const INTUIT_SIGNIN_SCOPES = ['openid', 'email', 'profile'];

export type QuickBooksApp = {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  environment: 'sandbox' | 'production';
};

type TokenJson = {
  access_token?: string;
  refresh_token?: string;
  expires_in?: number;
  x_refresh_token_expires_in?: number;
  x_refresh_token_hard_expires_in?: number;
};

function tokenSetFrom(json: TokenJson, now: number, scopes: string[] = QUICKBOOKS_SCOPES): TokenSet {
  if (!json.access_token || !json.refresh_token) {
    throw new ConnectorError('malformed_response', 'token response without tokens', { provider: 'quickbooks' });
  }
  return {
    accessToken: json.access_token,
    refreshToken: json.refresh_token,
    accessExpiresAt: new Date(now + (json.expires_in ?? 3600) * 1000),
    refreshExpiresAt: new Date(now + (json.x_refresh_token_expires_in ?? 8_726_400) * 1000),
    // Intuit's five-year cap on a grant; warned about before it lands.
    refreshHardExpiresAt: json.x_refresh_token_hard_expires_in
      ? new Date(now + json.x_refresh_token_hard_expires_in * 1000)
      : undefined,
    scopes,
  };
}

/**
 * intuit-oauth wraps a failed token call in an error that keeps the body's OAuth code but not
 * always the HTTP status (an empty 429 or 503 body leaves only a sentence): the status is taken
 * from the HTTP answer itself, as `AnsweredClient.lastStatus` saw it.
 */
function oauthError(err: unknown, status?: number): ConnectorError {
  return tokenEndpointError('quickbooks', { status, error: (err as { error?: unknown })?.error }, err);
}

type AnsweredClient = OAuthClient & { lastStatus?: number };

/**
 * OAuth 2.0 with Intuit through intuit-oauth. A new client per call: the library keeps token
 * state in the instance, and we never want it to use anything but the token we pass. Its file
 * logging stays off (it would write tokens to ./logs).
 */
export class QuickBooksOAuth {
  constructor(
    private readonly app: QuickBooksApp,
    private readonly scopes: string[] = QUICKBOOKS_SCOPES,
  ) {}

  // intuit-oauth is loaded on first use, not at start-up (see ../xero/sdk.ts).
  /** A client whose code exchange, if any, carries the consent's PKCE verifier. */
  private async client(codeVerifier?: string): Promise<AnsweredClient> {
    const { default: Client } = await import('intuit-oauth');
    const client: AnsweredClient = new Client({
      clientId: this.app.clientId,
      clientSecret: this.app.clientSecret,
      environment: this.app.environment,
      redirectUri: this.app.redirectUri,
      logging: false,
      // Intuit sends the refresh token's five-year cap only when asked; it is stored to be warned about.
      includeRefreshTokenHardExpiresIn: true,
    });
    // The library would retry 408, 429 and 5xx three times, sleeping 1, 2 and 4 s inside the
    // call while the connection's refresh lock is held; the caller's own retry policy decides.
    const lib = client as unknown as {
      shouldRetry: () => boolean;
      loadResponse: (request: unknown) => Promise<{ status?: number }>;
      getTokenRequest: (request: { data?: Record<string, unknown> }) => Promise<unknown>;
    };
    lib.shouldRetry = () => false;
    // intuit-oauth builds the code exchange's form itself and has no PKCE parameter: the
    // verifier is added to that form (RFC 7636 §4.5) on its way to the token endpoint.
    if (codeVerifier) {
      const tokenRequest = lib.getTokenRequest.bind(client);
      lib.getTokenRequest = (request) =>
        tokenRequest(
          request.data?.grant_type === 'authorization_code'
            ? { ...request, data: { ...request.data, code_verifier: codeVerifier } }
            : request,
        );
    }
    const load = lib.loadResponse.bind(client);
    lib.loadResponse = (request) =>
      load(request).then(
        (res) => {
          client.lastStatus = res?.status;
          return res;
        },
        (err: { response?: { status?: number } }) => {
          client.lastStatus = err?.response?.status;
          throw err;
        },
      );
    return client;
  }

  /**
   * The consent URL with a PKCE challenge (S256): a code intercepted on its way back cannot be
   * exchanged without the verifier, which never leaves the server. intuit-oauth builds the URL
   * without one, so the two parameters are added to it.
   */
  async authorizationUrl(state: string, codeChallenge: string): Promise<string> {
    const url = new URL((await this.client()).authorizeUri({ scope: this.scopes, state }));
    url.searchParams.set('code_challenge', codeChallenge);
    url.searchParams.set('code_challenge_method', 'S256');
    return url.toString();
  }

  /**
   * Sign-in: exchanges the code, verifies the id_token (issuer, audience, expiry, signature
   * against Intuit's JWKS) and reads the verified email from the userinfo endpoint. The two must
   * name the same subject. No tokens are kept.
   */
  async identify(callbackUrl: string, codeVerifier: string): Promise<Identity> {
    const client = await this.client(codeVerifier);
    let idToken: string | undefined;
    try {
      const res = await client.createToken(callbackUrl);
      idToken = (res.getJson() as { id_token?: string }).id_token;
    } catch (err) {
      throw oauthError(err, client.lastStatus);
    }
    const unverified = () =>
      new ConnectorError('unauthorized', 'the Intuit sign-in response could not be verified', {
        provider: 'quickbooks',
        providerCode: 'verification_failed',
      });
    if (!idToken) throw unverified();
    try {
      if (!(await client.validateIdToken())) throw unverified();
    } catch {
      throw unverified();
    }
    const claims = JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as {
      sub?: string;
    };
    let info: { sub?: string; email?: string; emailVerified?: boolean; givenName?: string; familyName?: string };
    try {
      info = (await client.getUserInfo()).getJson() as typeof info;
    } catch (err) {
      throw oauthError(err, client.lastStatus);
    }
    if (!claims.sub || info.sub !== claims.sub) throw unverified();
    return {
      subject: claims.sub,
      email: info.emailVerified ? info.email : undefined,
      name: [info.givenName, info.familyName].filter(Boolean).join(' ') || undefined,
    };
  }

  async exchange(
    callbackUrl: string,
    codeVerifier: string,
    now: number,
  ): Promise<{ tokens: TokenSet; realmId: string }> {
    const realmId = new URL(callbackUrl).searchParams.get('realmId');
    if (!realmId) throw new ConnectorError('validation', 'callback without realmId', { provider: 'quickbooks' });
    const client = await this.client(codeVerifier);
    try {
      const res = await client.createToken(callbackUrl);
      return { tokens: tokenSetFrom(res.getJson() as TokenJson, now), realmId };
    } catch (err) {
      throw oauthError(err, client.lastStatus);
    }
  }

  /** Always with the stored refresh token, never a client's in-memory one. */
  async refresh(refreshToken: string, now: number): Promise<TokenSet> {
    const client = await this.client();
    try {
      const res = await client.refreshUsingToken(refreshToken);
      return tokenSetFrom(res.getJson() as TokenJson, now);
    } catch (err) {
      throw oauthError(err, client.lastStatus);
    }
  }

  async revoke(refreshToken: string): Promise<void> {
    const client = await this.client();
    try {
      await client.revoke({ refresh_token: refreshToken });
    } catch (err) {
      throw oauthError(err, client.lastStatus);
    }
  }
}
