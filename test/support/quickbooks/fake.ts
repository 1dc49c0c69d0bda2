import { createHash, generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { http, HttpResponse } from 'msw';
import { Stalls } from '../stalls.ts';
import { fixtureText } from '../fixtures.ts';

type Raw = Record<string, unknown>;
const fixture = (name: string) => fixtureText(`quickbooks/${name}`);
const json = <T = Raw>(name: string) => JSON.parse(fixture(name)) as T;
const API = 'https://quickbooks.api.intuit.com/v3/company';
const TOKEN = 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer';
/** Intuit: a refresh token replaced by a refresh keeps working for 24 hours (the answer may have been lost). */
export const INTUIT_REFRESH_GRACE_MS = 86_400_000;

/**
 * An in-memory QuickBooks Online behind msw, shaped by Intuit's published examples
 * (test/fixtures/quickbooks): token endpoint with rotating refresh tokens, query paging,
 * CDC with deletions, invoice reads and sparse updates with SyncToken, and the real XML
 * throttle fault.
 */
export class QuickBooksFake {
  readonly clientId = 'QBO-TEST-CLIENT';
  readonly clientSecret = 'qbo-test-secret-do-not-log';
  readonly realms = new Map<
    string,
    {
      name: string;
      country: string;
      region?: string;
      currency: string;
      Invoice: Raw[];
      Customer: Raw[];
      Payment: Raw[];
      CreditMemo: Raw[];
      deleted: Raw[];
      /** Note-only Attachables, with the requestid each was created under. */
      Attachable: (Raw & { requestId?: string })[];
    }
  >();
  private codes = new Map<string, string>();
  private refresh = new Map<string, { realmId: string; diesAt: number }>();
  private access = new Map<string, string>();
  tokenCalls = 0;
  apiCalls = 0;
  queries: string[] = [];
  cdcCalls: string[] = [];
  revoked: string[] = [];
  minorVersions = new Set<string>();
  private failures: { match: RegExp; status: number; body: string; type: string; times: number }[] = [];
  /** People who can sign in with Intuit (OpenID subject → profile). */
  readonly people = new Map<string, { email: string; verified: boolean }>();
  private identityCodes = new Map<string, string>();
  /** PKCE challenges of issued codes (consent and sign-in). */
  private challenges = new Map<string, string>();
  private identityTokens = new Map<string, string>();
  private readonly keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  private readonly rogue = generateKeyPairSync('rsa', { modulusLength: 2048 });
  /** Sign id_tokens with a key the JWKS does not publish (a forged response). */
  forgeIdTokens = false;
  /** Intuit's clock: the time CDC responses report, and token lifetimes. */
  now = () => new Date();
  /** Refresh answers to lose after Intuit has rotated the token (the client never sees the new pair). */
  private lostRefreshAnswers = 0;

  /** A company; `region` is its state or province (CompanyAddr.CountrySubDivisionCode). */
  addRealm(realmId: string, name = 'Sandbox Company', country = 'US', currency = 'USD', region?: string) {
    this.realms.set(realmId, {
      name,
      country,
      region,
      currency,
      Invoice: [],
      Customer: [],
      Payment: [],
      CreditMemo: [],
      deleted: [],
      Attachable: [],
    });
    return this.realms.get(realmId)!;
  }

  /** Invoices built from Intuit's "Query an invoice" example, Ids 1..n, updated a minute apart. */
  seedInvoices(realmId: string, n: number, start = new Date('2026-10-01T00:00:00Z')) {
    const tpl = json<{ QueryResponse: { Invoice: Raw[] } }>('query-response-invoice.json').QueryResponse.Invoice[0]!;
    const realm = this.realms.get(realmId)!;
    for (let i = 0; i < n; i++) {
      const id = String(realm.Invoice.length + 1);
      realm.Invoice.push({
        ...tpl,
        Id: id,
        DocNumber: `${1000 + Number(id)}`,
        MetaData: {
          CreateTime: start.toISOString(),
          LastUpdatedTime: new Date(start.getTime() + i * 60_000).toISOString(),
        },
      });
    }
  }

  consent(authorizationUrl: string, realmId: string): string {
    const u = new URL(authorizationUrl);
    const code = randomUUID();
    this.codes.set(code, realmId);
    this.pkce(code, u);
    const back = new URL(u.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', u.searchParams.get('state') ?? '');
    back.searchParams.set('realmId', realmId);
    return back.toString();
  }

  /** A code issued for a PKCE challenge is exchanged only with its verifier (RFC 7636 §4.6). */
  private pkce(code: string, authorizationUrl: URL) {
    const challenge = authorizationUrl.searchParams.get('code_challenge');
    if (challenge) this.challenges.set(code, challenge);
  }

  /** Simulates a person approving "Sign in with Intuit": the callback URL our app receives. */
  signIn(authorizationUrl: string, subject: string): string {
    const u = new URL(authorizationUrl);
    const code = randomUUID();
    this.identityCodes.set(code, subject);
    this.pkce(code, u);
    const back = new URL(u.searchParams.get('redirect_uri')!);
    back.searchParams.set('code', code);
    back.searchParams.set('state', u.searchParams.get('state') ?? '');
    return back.toString();
  }

  private idToken(subject: string) {
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const input = `${b64({ alg: 'RS256', kid: 'fake-intuit-key', typ: 'JWT' })}.${b64({ iss: 'https://oauth.platform.intuit.com/op/v1', aud: [this.clientId], sub: subject, iat: now, exp: now + 3600, auth_time: now })}`;
    return `${input}.${sign('RSA-SHA256', Buffer.from(input), (this.forgeIdTokens ? this.rogue : this.keys).privateKey).toString('base64url')}`;
  }

  fail(match: RegExp, status: number, opts: { body?: string; type?: string; times?: number } = {}) {
    this.failures.push({
      match,
      status,
      body: opts.body ?? '',
      type: opts.type ?? 'application/json',
      times: opts.times ?? 1,
    });
  }
  throttleXml = () => fixture('throttle-fault-429.xml');
  /** Requests that accept the connection and never answer (see Stalls). */
  readonly stalls = new Stalls();
  /** Companies whose admin disconnected this app in QuickBooks: every call answers 403 / 3100. */
  readonly disconnected = new Set<string>();

  /** The next injected failure for this path (an API path, or the token endpoint's), used up once. */
  private takeFailure(path: string): HttpResponse<string> | undefined {
    const f = this.failures.find((x) => x.times > 0 && x.match.test(path));
    if (!f) return undefined;
    f.times--;
    return new HttpResponse(f.body, { status: f.status, headers: { 'content-type': f.type } });
  }

  /** The next refresh succeeds at Intuit, and its answer is lost on the way back. */
  loseNextRefreshAnswer() {
    this.lostRefreshAnswers++;
  }

  killGrant(realmId: string) {
    for (const [, v] of this.refresh) if (v.realmId === realmId) v.diesAt = 0;
  }

  /**
   * Intuit returns the refresh token's five-year cap only to a client that asks for it with
   * `x-include-refresh-token-hard-expires-in: true` (intuit-oauth sends it only when constructed
   * with `includeRefreshTokenHardExpiresIn`).
   */
  private issue(realmId: string, request: Request) {
    const a = `qat_${randomUUID()}`;
    const r = `qrt_${randomUUID()}`;
    this.access.set(a, realmId);
    this.refresh.set(r, { realmId, diesAt: Number.POSITIVE_INFINITY });
    return {
      access_token: a,
      refresh_token: r,
      token_type: 'bearer',
      expires_in: 3600,
      x_refresh_token_expires_in: 8_726_400,
      ...(request.headers.get('x-include-refresh-token-hard-expires-in') === 'true'
        ? { x_refresh_token_hard_expires_in: 156_032_154 }
        : {}),
    };
  }

  handlers() {
    return [
      http.post(TOKEN, async ({ request }) => {
        this.tokenCalls++;
        const stalled = await this.stalls.take('/oauth2/v1/tokens/bearer', request);
        if (stalled) return stalled;
        const refused = this.takeFailure('/oauth2/v1/tokens/bearer');
        if (refused) return refused;
        const form = new URLSearchParams(await request.text());
        if (
          request.headers.get('authorization') !==
          `Basic ${Buffer.from(`${this.clientId}:${this.clientSecret}`).toString('base64')}`
        ) {
          return HttpResponse.json({ error: 'invalid_client' }, { status: 401 });
        }
        const invalid = () =>
          new HttpResponse(fixture('oauth-error-invalid-grant.json'), {
            status: 400,
            headers: { 'content-type': 'application/json' },
          });
        const challenge = this.challenges.get(form.get('code') ?? '');
        if (challenge !== undefined) {
          this.challenges.delete(form.get('code') ?? '');
          const verifier = form.get('code_verifier') ?? '';
          if (createHash('sha256').update(verifier).digest('base64url') !== challenge) {
            this.codes.delete(form.get('code') ?? '');
            this.identityCodes.delete(form.get('code') ?? '');
            return invalid();
          }
        }
        if (form.get('grant_type') === 'authorization_code' && this.identityCodes.has(form.get('code') ?? '')) {
          const subject = this.identityCodes.get(form.get('code')!)!;
          this.identityCodes.delete(form.get('code')!);
          const access = `qit_${randomUUID()}`;
          this.identityTokens.set(access, subject);
          return HttpResponse.json({
            access_token: access,
            refresh_token: `qrt_${randomUUID()}`,
            token_type: 'bearer',
            expires_in: 3600,
            id_token: this.idToken(subject),
          });
        }
        if (form.get('grant_type') === 'authorization_code') {
          const realm = this.codes.get(form.get('code') ?? '');
          this.codes.delete(form.get('code') ?? '');
          return realm ? HttpResponse.json(this.issue(realm, request)) : invalid();
        }
        const rt = this.refresh.get(form.get('refresh_token') ?? '');
        const now = this.now().getTime();
        if (!rt || rt.diesAt <= now) return invalid();
        // Rotation: the old refresh token keeps working for 24 hours.
        rt.diesAt = Math.min(rt.diesAt, now + INTUIT_REFRESH_GRACE_MS);
        const issued = this.issue(rt.realmId, request);
        if (this.lostRefreshAnswers > 0) {
          this.lostRefreshAnswers--;
          return HttpResponse.error();
        }
        return HttpResponse.json(issued);
      }),
      http.post('https://developer.api.intuit.com/v2/oauth2/tokens/revoke', async ({ request }) => {
        const body = (await request.json().catch(() => ({}))) as { token?: string };
        this.revoked.push(body.token ?? '');
        return new HttpResponse(null, { status: 200 });
      }),
      http.get('https://oauth.platform.intuit.com/op/v1/jwks', () => {
        const jwk = this.keys.publicKey.export({ format: 'jwk' }) as { n: string; e: string };
        return HttpResponse.json({
          keys: [{ kty: 'RSA', alg: 'RS256', use: 'sig', kid: 'fake-intuit-key', n: jwk.n, e: jwk.e }],
        });
      }),
      http.get('https://accounts.platform.intuit.com/v1/openid_connect/userinfo', ({ request }) => {
        const subject = this.identityTokens.get(request.headers.get('authorization')?.replace('Bearer ', '') ?? '');
        if (!subject) return HttpResponse.json({ error: 'invalid_token' }, { status: 401 });
        const p = this.people.get(subject);
        return HttpResponse.json({
          sub: subject,
          email: p?.email,
          emailVerified: p?.verified ?? false,
          givenName: 'Ida',
          familyName: 'Intuit',
        });
      }),
      http.all(`${API}/:realm/*`, async ({ request, params }) => this.api(request, String(params.realm))),
    ];
  }

  private async api(request: Request, realmId: string) {
    this.apiCalls++;
    const url = new URL(request.url);
    const path = url.pathname.replace(`/v3/company/${realmId}`, '');
    this.minorVersions.add(url.searchParams.get('minorversion') ?? 'none');
    const stalled = await this.stalls.take(path, request);
    if (stalled) return stalled;
    if (this.disconnected.has(realmId))
      return HttpResponse.json(
        {
          Fault: {
            Error: [
              { Message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403', code: '3100' },
            ],
            type: 'AUTHORIZATION',
          },
        },
        { status: 403 },
      );
    const refused = this.takeFailure(path);
    if (refused) return refused;
    if (this.access.get(request.headers.get('authorization')?.replace('Bearer ', '') ?? '') !== realmId) {
      return HttpResponse.json(
        { fault: { error: [{ message: 'message=AuthenticationFailed', code: '3200' }], type: 'AUTHENTICATION' } },
        { status: 401 },
      );
    }
    const realm = this.realms.get(realmId)!;
    const time = this.now().toISOString();
    if (path.startsWith('/companyinfo/'))
      return HttpResponse.json({
        CompanyInfo: {
          CompanyName: realm.name,
          LegalName: `${realm.name} LLC`,
          Country: realm.country,
          CompanyAddr: { Line1: '1 Main Street', Country: realm.country, CountrySubDivisionCode: realm.region },
        },
        time,
      });
    if (path === '/preferences')
      return HttpResponse.json({ Preferences: { CurrencyPrefs: { HomeCurrency: { value: realm.currency } } }, time });
    if (path === '/query') {
      const q = url.searchParams.get('query') ?? '';
      this.queries.push(q);
      const m =
        /select \* from (\w+)(?: where MetaData\.LastUpdatedTime >= '([^']+)')?(?: where Id IN \(([^)]*)\))?.*STARTPOSITION (\d+) MAXRESULTS (\d+)/i.exec(
          q,
        );
      if (!m)
        return HttpResponse.json(
          { Fault: { Error: [{ code: '4000', Message: 'QueryParserError' }], type: 'ValidationFault' } },
          { status: 400 },
        );
      const entity = m[1]!.charAt(0).toUpperCase() + m[1]!.slice(1);
      const key = entity === 'Creditmemo' ? 'CreditMemo' : (entity as 'Invoice' | 'Customer' | 'Payment');
      let rows = [...realm[key]];
      // As QuickBooks: a customer query lists active customers unless asked for inactive ones.
      if (key === 'Customer' && !/Active IN \(true, ?false\)/i.test(q)) rows = rows.filter((r) => r.Active !== false);
      if (m[2]) rows = rows.filter((r) => Date.parse(String((r.MetaData as Raw).LastUpdatedTime)) >= Date.parse(m[2]!));
      if (m[3] !== undefined) {
        const ids = m[3].split(',').map((x) => x.trim().replace(/^'(.*)'$/, '$1'));
        rows = rows.filter((r) => ids.includes(String(r.Id)));
      }
      if (/ORDERBY Id\b/i.test(q)) rows.sort((a, b) => Number(a.Id) - Number(b.Id));
      const start = Number(m[4]);
      const max = Number(m[5]);
      const page = rows.slice(start - 1, start - 1 + max);
      return HttpResponse.json({
        QueryResponse: {
          startPosition: start,
          maxResults: page.length,
          totalCount: rows.length,
          ...(page.length ? { [key]: page } : {}),
        },
        time,
      });
    }
    if (path === '/cdc') {
      const entities = (url.searchParams.get('entities') ?? '').split(',');
      const since = Date.parse(url.searchParams.get('changedSince') ?? '');
      this.cdcCalls.push(url.searchParams.get('changedSince') ?? '');
      const changed = (list: Raw[]) =>
        list.filter((r) => Date.parse(String((r.MetaData as Raw).LastUpdatedTime)) > since);
      const responses = entities.map((e) => {
        const key = e as 'Invoice' | 'Customer' | 'Payment' | 'CreditMemo';
        // At most 1,000 per entity, in no order Intuit promises: newest first here, the order
        // that loses the most for a client that assumes the oldest came first.
        const rows = [
          ...changed(realm[key]),
          ...changed(realm.deleted.filter((d) => d._entity === e)).map(({ _entity, ...rest }) => rest),
        ]
          .sort((a, b) => lastUpdated(b) - lastUpdated(a))
          .slice(0, 1000);
        return { [key]: rows, startPosition: 1, maxResults: rows.length };
      });
      return HttpResponse.json({ CDCResponse: [{ QueryResponse: responses }], time });
    }
    const one = /^\/(invoice|payment|customer|creditmemo)\/(\w+)$/.exec(path);
    if (one && request.method === 'GET') {
      const key = ({ invoice: 'Invoice', payment: 'Payment', customer: 'Customer', creditmemo: 'CreditMemo' } as const)[
        one[1] as 'invoice'
      ];
      const row = realm[key].find((r) => r.Id === one[2]);
      if (!row)
        return HttpResponse.json(
          { Fault: { Error: [{ code: '610', Message: 'Object Not Found' }], type: 'ValidationFault' } },
          { status: 400 },
        );
      const link =
        key === 'Invoice' && url.searchParams.get('include') === 'invoiceLink'
          ? { InvoiceLink: `https://connect.intuit.com/portal/app/CommerceNetwork/view/scs-v1-${row.Id}` }
          : {};
      return HttpResponse.json({ [key]: { ...row, ...link }, time });
    }
    if (path === '/invoice' && request.method === 'POST') {
      const body = (await request.json()) as Raw;
      const row = realm.Invoice.find((r) => r.Id === body.Id);
      if (!row)
        return HttpResponse.json({ Fault: { Error: [{ code: '610' }], type: 'ValidationFault' } }, { status: 400 });
      if (row.SyncToken !== body.SyncToken) {
        return HttpResponse.json(
          { Fault: { Error: [{ Message: 'Stale Object Error', code: '5010' }], type: 'ValidationFault' } },
          { status: 400 },
        );
      }
      // An update is a change: the invoice's LastUpdatedTime moves (and a webhook would follow).
      Object.assign(row, {
        PrivateNote: body.PrivateNote,
        SyncToken: String(Number(row.SyncToken) + 1),
        MetaData: { ...(row.MetaData as Raw), LastUpdatedTime: time },
      });
      return HttpResponse.json({ Invoice: row, time });
    }
    if (path === '/attachable' && request.method === 'POST') return this.attach(request, realm, url, time);
    return HttpResponse.json({ Fault: { Error: [{ code: '610' }], type: 'ValidationFault' } }, { status: 400 });
  }

  /** A note-only Attachable (Intuit: Note up to 2,000 characters); a repeated requestid creates nothing. */
  private async attach(
    request: Request,
    realm: { Attachable: (Raw & { requestId?: string })[] },
    url: URL,
    time: string,
  ) {
    const body = (await request.json()) as Raw;
    const requestId = url.searchParams.get('requestid') ?? undefined;
    const earlier = requestId && realm.Attachable.find((a) => a.requestId === requestId);
    if (earlier) return HttpResponse.json({ Attachable: earlier, time });
    const note = typeof body.Note === 'string' ? body.Note : '';
    if (note.length > 2000)
      return HttpResponse.json(
        {
          Fault: {
            Error: [
              { Message: 'String length is either shorter or longer than supported by specification', code: '2050' },
            ],
            type: 'ValidationFault',
          },
        },
        { status: 400 },
      );
    const row = { ...body, Id: String(realm.Attachable.length + 5000), SyncToken: '0', requestId };
    realm.Attachable.push(row);
    return HttpResponse.json({ Attachable: row, time });
  }
}

const lastUpdated = (r: Raw) => Date.parse(String((r.MetaData as Raw).LastUpdatedTime));
