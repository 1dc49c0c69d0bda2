import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import type { XeroLimits } from './limits.ts';
import { http, HttpResponse } from 'msw';
import { msDate, templates } from './fixtures.ts';
import { Stalls } from '../stalls.ts';
import { answerCollection } from './accounting.ts';

type Raw = Record<string, unknown>;
export type FakeTenant = {
  tenantId: string;
  connectionId: string;
  name: string;
  org: Raw;
  Invoices: Raw[];
  Contacts: Raw[];
  Payments: Raw[];
  CreditNotes: Raw[];
  Overpayments: Raw[];
  Prepayments: Raw[];
  history: Map<string, string[]>;
  /** Idempotency-Keys of history writes already made. */
  idempotencyKeys: Set<string>;
};
type Failure = { match: RegExp; status: number; headers?: Record<string, string>; body?: unknown; times: number };

const API = 'https://api.xero.com/api.xro/2.0';
/** Xero's FAQ: a refresh token already used still works for 30 minutes (the answer may have been lost). */
export const XERO_REFRESH_GRACE_MS = 30 * 60_000;
const b64url = (v: Buffer | string) => Buffer.from(v).toString('base64url');

/**
 * An in-memory Xero (identity + connections + Accounting API) behind msw, shaped by Xero's
 * official examples: OAuth with PKCE and signed id_tokens, rotating single-use refresh tokens,
 * If-Modified-Since and paging, rate-limit headers, and injectable failures.
 */
export class XeroFake {
  readonly clientId = 'XERO-TEST-CLIENT';
  readonly clientSecret = 'xero-test-secret-do-not-log';
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private codes = new Map<string, { userId: string; challenge: string; redirectUri: string; authEventId: string }>();
  /** `usedAt`: when a refresh spent it; Xero still honours it for REFRESH_GRACE_MS after. */
  private refreshTokens = new Map<string, { userId: string; live: boolean; authEventId: string; usedAt?: number }>();
  /** Xero's clock for token lifetimes; tests move it to cross the refresh grace window. */
  now: () => number = () => Date.now();
  /** Refresh answers to lose after Xero has rotated the token (the client never sees the new pair). */
  private lostRefreshAnswers = 0;
  private accessTokens = new Map<string, { userId: string }>();
  /**
   * Each user's organisations, and for each the consent (authentication event) that connected it:
   * GET /connections lists all of them, each with its authEventId, whichever consent asks.
   */
  readonly users = new Map<string, { email: string; tenantIds: string[]; events: Map<string, string> }>();
  readonly tenants = new Map<string, FakeTenant>();
  readonly failures: Failure[] = [];
  tokenCalls = { authorization_code: 0, refresh_token: 0 };
  /** The refresh token issued last: what a client must have stored after its refreshes. */
  lastRefreshToken?: string;
  apiCalls = 0;
  /** Runs before each accounting API request is answered (fault injection at a chosen call). */
  onRequest?: (path: string) => void | Promise<void>;
  revoked: string[] = [];
  deletedConnections: string[] = [];
  readonly requests: {
    method: string;
    path: string;
    headers: Record<string, string>;
    query: Record<string, string>;
  }[] = [];
  /** Minimum-limit header values the fake reports; tests can lower them. */
  minLimitRemaining = 59;
  /** Sign id_tokens with a key the JWKS does not publish (a forged response). */
  forgeIdTokens = false;
  private readonly rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** Artificial latency per API call (ms), so concurrency is observable. */
  latencyMs = 0;

  addUser(userId: string, email: string) {
    this.users.set(userId, { email, tenantIds: [], events: new Map() });
  }

  addTenant(
    userId: string,
    name: string,
    opts: { timezone?: string; country?: string; currency?: string } = {},
  ): FakeTenant {
    const tenantId = randomUUID();
    const t: FakeTenant = {
      tenantId,
      connectionId: randomUUID(),
      name,
      org: {
        OrganisationID: tenantId,
        Name: name,
        LegalName: `${name} Limited`,
        BaseCurrency: opts.currency ?? 'NZD',
        CountryCode: opts.country ?? 'NZ',
        Timezone: opts.timezone ?? 'NEWZEALANDSTANDARDTIME',
      },
      Invoices: [],
      Contacts: [],
      Payments: [],
      CreditNotes: [],
      Overpayments: [],
      Prepayments: [],
      history: new Map(),
      idempotencyKeys: new Set(),
    };
    this.tenants.set(tenantId, t);
    const user = this.users.get(userId)!;
    user.tenantIds.push(tenantId);
    user.events.set(tenantId, 'auth-event-before');
    return t;
  }

  /** Adds invoices built from the official AUTHORISED example, updated at increasing times. */
  seedInvoices(t: FakeTenant, n: number, opts: { start?: Date; stepMs?: number; contactId?: string } = {}) {
    const tpl = templates().invoiceAuthorised;
    const start = (opts.start ?? new Date('2026-06-01T00:00:00Z')).getTime();
    for (let i = 0; i < n; i++) {
      const updated = new Date(start + i * (opts.stepMs ?? 60_000));
      t.Invoices.push({
        ...tpl,
        InvoiceID: randomUUID(),
        InvoiceNumber: `INV-${String(t.Invoices.length + 1).padStart(6, '0')}`,
        Contact: { ...(tpl.Contact as Raw), ContactID: opts.contactId ?? (tpl.Contact as Raw).ContactID },
        Total: 115 + (i % 7),
        AmountDue: 115 + (i % 7),
        UpdatedDateUTC: msDate(updated),
        UpdatedDateUTCString: updated.toISOString().slice(0, 19),
      });
    }
  }

  /**
   * Simulates the user approving consent in Xero: returns the callback URL our app receives. The
   * user picks `tenantIds` on the consent screen (all of theirs by default); those organisations
   * are connected by this consent, the others keep the consent that connected them before.
   */
  consent(authorizationUrl: string, userId: string, tenantIds?: string[]): string {
    const u = new URL(authorizationUrl);
    const code = randomUUID();
    const authEventId = randomUUID();
    const user = this.users.get(userId)!;
    for (const id of tenantIds ?? user.tenantIds) user.events.set(id, authEventId);
    this.codes.set(code, {
      userId,
      challenge: u.searchParams.get('code_challenge') ?? '',
      redirectUri: u.searchParams.get('redirect_uri') ?? '',
      authEventId,
    });
    const back = new URL(u.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', u.searchParams.get('state') ?? '');
    back.searchParams.set('scope', u.searchParams.get('scope') ?? '');
    return back.toString();
  }

  /** Makes the next `times` requests whose path matches fail with this status. */
  fail(match: RegExp, status: number, opts: { headers?: Record<string, string>; body?: unknown; times?: number } = {}) {
    this.failures.push({ match, status, headers: opts.headers, body: opts.body, times: opts.times ?? 1 });
  }

  /** Requests that accept the connection and never answer (see Stalls). */
  readonly stalls = new Stalls();

  /** Organisations whose subscription lapsed: still listed in /connections, every API call 403. */
  readonly lapsed = new Set<string>();

  /** The organisation's admin disconnects this app in Xero: its connection goes, calls answer 403. */
  disconnectTenant(tenantId: string) {
    for (const u of this.users.values()) u.tenantIds = u.tenantIds.filter((id) => id !== tenantId);
    this.tenants.delete(tenantId);
  }

  /** Kills every refresh token of a user (as when they revoke access in Xero). */
  revokeUser(userId: string) {
    for (const [, v] of this.refreshTokens)
      if (v.userId === userId) {
        v.live = false;
        v.usedAt = undefined;
      }
  }

  /** The next refresh succeeds at Xero, and its answer is lost on the way back. */
  loseNextRefreshAnswer() {
    this.lostRefreshAnswers++;
  }

  /** Tokens as a completed consent would leave them (for benchmarks that skip the browser flow). */
  grant(userId: string) {
    return this.issue(userId, 'auth-event-before');
  }

  /** Access tokens are JWTs carrying the consent they came from, as Xero's do. */
  private issue(userId: string, authEventId: string) {
    const claims = { xero_userid: userId, authentication_event_id: authEventId, jti: randomUUID() };
    const access = `${b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${b64url(JSON.stringify(claims))}.unsigned`;
    const refresh = `xrt_${randomUUID()}`;
    this.accessTokens.set(access, { userId });
    this.refreshTokens.set(refresh, { userId, live: true, authEventId });
    this.lastRefreshToken = refresh;
    return { access, refresh };
  }

  private idToken(userId: string) {
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', kid: 'fake-key', typ: 'JWT' };
    const payload = {
      iss: 'https://identity.xero.com',
      aud: this.clientId,
      sub: `sub-${userId}`,
      xero_userid: userId,
      email: this.users.get(userId)?.email,
      given_name: 'Test',
      family_name: 'User',
      iat: now,
      nbf: now,
      exp: now + 300,
    };
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${input}.${b64url(sign('RSA-SHA256', Buffer.from(input), (this.forgeIdTokens ? this.rogue : this.keys).privateKey))}`;
  }

  private injected(path: string): HttpResponse<never> | undefined {
    const f = this.failures.find((x) => x.times > 0 && x.match.test(path));
    if (!f) return undefined;
    f.times--;
    return HttpResponse.json(f.body ?? { Title: 'Injected failure', Status: f.status }, {
      status: f.status,
      headers: f.headers,
    }) as never;
  }

  private authed(request: Request): { userId: string } | undefined {
    const token = request.headers.get('authorization')?.replace(/^Bearer /, '');
    return token ? this.accessTokens.get(token) : undefined;
  }

  handlers() {
    const identity = 'https://identity.xero.com';
    return [
      http.get(`${identity}/.well-known/openid-configuration`, () =>
        HttpResponse.json({
          issuer: identity,
          authorization_endpoint: 'https://login.xero.com/identity/connect/authorize',
          token_endpoint: `${identity}/connect/token`,
          revocation_endpoint: `${identity}/connect/revocation`,
          jwks_uri: `${identity}/.well-known/openid-configuration/jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
        }),
      ),
      http.get(`${identity}/.well-known/openid-configuration/jwks`, () =>
        HttpResponse.json({
          keys: [{ ...this.keys.publicKey.export({ format: 'jwk' }), kid: 'fake-key', alg: 'RS256', use: 'sig' }],
        }),
      ),
      http.post(`${identity}/connect/token`, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        const basic = request.headers.get('authorization');
        const expected = `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`;
        const clientOk =
          basic === expected ||
          (form.get('client_id') === this.clientId && form.get('client_secret') === this.clientSecret);
        if (!clientOk) return HttpResponse.json({ error: 'invalid_client' }, { status: 401 });
        const grant = form.get('grant_type');
        if (grant === 'authorization_code') {
          this.tokenCalls.authorization_code++;
          const code = this.codes.get(form.get('code') ?? '');
          this.codes.delete(form.get('code') ?? '');
          const verifier = form.get('code_verifier') ?? '';
          const challenge = createHash('sha256').update(verifier).digest('base64url');
          if (!code || code.challenge !== challenge || code.redirectUri !== form.get('redirect_uri')) {
            return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
          }
          const t = this.issue(code.userId, code.authEventId);
          return HttpResponse.json({
            access_token: t.access,
            refresh_token: t.refresh,
            id_token: this.idToken(code.userId),
            expires_in: 1800,
            token_type: 'Bearer',
            scope: 'openid profile email offline_access accounting.invoices',
          });
        }
        if (grant === 'refresh_token') {
          this.tokenCalls.refresh_token++;
          const stalled = await this.stalls.take('/connect/token', request);
          if (stalled) return stalled;
          const injected = this.injected('/connect/token');
          if (injected) return injected;
          const rt = this.refreshTokens.get(form.get('refresh_token') ?? '');
          // Single use, but a client that lost the answer may use it again for 30 minutes.
          const inGrace = rt?.usedAt !== undefined && this.now() - rt.usedAt <= XERO_REFRESH_GRACE_MS;
          if (!rt || (!rt.live && !inGrace)) return HttpResponse.json({ error: 'invalid_grant' }, { status: 400 });
          if (rt.live) {
            rt.live = false;
            rt.usedAt = this.now();
          }
          const t = this.issue(rt.userId, rt.authEventId);
          if (this.lostRefreshAnswers > 0) {
            this.lostRefreshAnswers--;
            return HttpResponse.error();
          }
          return HttpResponse.json({
            access_token: t.access,
            refresh_token: t.refresh,
            expires_in: 1800,
            token_type: 'Bearer',
          });
        }
        return HttpResponse.json({ error: 'unsupported_grant_type' }, { status: 400 });
      }),
      http.post(`${identity}/connect/revocation`, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        const token = form.get('token') ?? '';
        this.revoked.push(token);
        const rt = this.refreshTokens.get(token);
        if (rt) {
          rt.live = false;
          rt.usedAt = undefined;
        }
        return new HttpResponse(null, { status: 200 });
      }),
      http.get('https://api.xero.com/connections', ({ request }) => {
        const who = this.authed(request);
        if (!who) return HttpResponse.json({ Title: 'Unauthorized' }, { status: 401 });
        return HttpResponse.json(
          this.users.get(who.userId)!.tenantIds.map((id) => {
            const t = this.tenants.get(id)!;
            return {
              id: t.connectionId,
              authEventId: this.users.get(who.userId)!.events.get(id),
              tenantId: id,
              tenantType: 'ORGANISATION',
              tenantName: t.name,
              createdDateUtc: '2026-01-01T00:00:00',
              updatedDateUtc: '2026-01-01T00:00:00',
            };
          }),
        );
      }),
      http.delete('https://api.xero.com/connections/:id', ({ request, params }) => {
        if (!this.authed(request)) return HttpResponse.json({ Title: 'Unauthorized' }, { status: 401 });
        this.deletedConnections.push(String(params.id));
        return new HttpResponse(null, { status: 204 });
      }),
      http.all(`${API}/*`, async ({ request }) => this.accounting(request)),
    ];
  }

  /** Xero's real limits, enforced (429s) when set; by default the fake never refuses for load. */
  limits?: XeroLimits;

  private async accounting(request: Request): Promise<Response> {
    const tenantId = request.headers.get('xero-tenant-id');
    const admitted = this.limits && tenantId ? this.limits.admit(tenantId) : undefined;
    if (admitted && 'refusal' in admitted) return admitted.refusal;
    try {
      const response = await this.answer(request);
      if (admitted) for (const [k, v] of Object.entries(admitted.headers)) response.headers.set(k, v);
      return response;
    } finally {
      if (admitted) admitted.release();
    }
  }

  private async answer(request: Request) {
    const url = new URL(request.url);
    const path = url.pathname.replace('/api.xro/2.0', '');
    this.apiCalls++;
    this.requests.push({
      method: request.method,
      path,
      headers: Object.fromEntries(request.headers),
      query: Object.fromEntries(url.searchParams),
    });
    if (this.latencyMs) await new Promise((r) => setTimeout(r, this.latencyMs));
    await this.onRequest?.(path);
    const stalled = await this.stalls.take(path, request);
    if (stalled) return stalled;
    const injected = this.injected(path);
    if (injected) return injected;
    if (!this.authed(request))
      return HttpResponse.json(
        { Type: 'AuthenticationUnsuccessful', Title: 'Unauthorized', Status: 401 },
        { status: 401 },
      );
    const tenant = this.tenants.get(request.headers.get('xero-tenant-id') ?? '');
    if (!tenant || this.lapsed.has(tenant.tenantId))
      return HttpResponse.json({ Type: 'AuthorizationUnsuccessful', Title: 'Forbidden', Status: 403 }, { status: 403 });
    return answerCollection(tenant, request, url, path, this.minLimitRemaining);
  }
}
