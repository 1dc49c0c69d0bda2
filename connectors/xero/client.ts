import type { XeroClient } from 'xero-node';
import { newXeroClient } from './sdk.ts';
import { callWithRetries } from '../shared/retry.ts';
import { codeForStatus, ConnectorError, type Lane } from '../types.ts';
import type { LimiterClock, RateLimiter, SharedLimits } from '../shared/ratelimit.ts';

/**
 * Calls the Accounting API through xero-node, one tenant at a time, within Xero's limits:
 * waits for a rate-limit slot, retries 429 after Retry-After and 5xx/network failures with
 * jittered backoff, and turns every failure into a typed ConnectorError.
 */

export type XeroResponse = { status: number; data: unknown; headers: Record<string, unknown> };
export type XeroCall = (xero: XeroClient) => Promise<{ response: { status: number; data: unknown; headers: unknown } }>;

export type XeroApiDeps = {
  /** A valid access token for this connection (refreshing if needed). */
  accessToken: (opts?: { forceRefresh?: boolean }) => Promise<string>;
  limiter: RateLimiter;
  /** The tenant's budget shared with other processes (see SharedLimits). */
  shared?: SharedLimits;
  /** The lane every call of this client waits in (see Lane). */
  lane?: Lane;
  clock: LimiterClock;
  maxAttempts?: number;
  random?: () => number;
  /** How long one call may take (see DEFAULT_PROVIDER_TIMEOUT_MS). */
  timeoutMs?: number;
};

type RawFailure = { status: number; body: unknown; headers: Record<string, unknown> };

/** xero-node rejects with a JSON string (API calls) or an axios-like object (identity calls). */
export function parseFailure(err: unknown): RawFailure {
  let e: unknown = err;
  if (typeof e === 'string') {
    try {
      e = JSON.parse(e);
    } catch {
      return { status: 0, body: e, headers: {} };
    }
  }
  const r = (
    e as { response?: { statusCode?: number; status?: number; body?: unknown; data?: unknown; headers?: unknown } }
  )?.response;
  if (!r) return { status: 0, body: (e as { body?: unknown })?.body, headers: {} };
  return {
    status: Number(r.statusCode ?? r.status ?? 0),
    body: r.body ?? r.data,
    headers: (r.headers ?? {}) as Record<string, unknown>,
  };
}

function providerCode(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const b = body as Record<string, unknown>;
  const v = b.Type ?? b.ErrorNumber ?? b.error ?? b.Title;
  return v === undefined ? undefined : String(v);
}

function retryAfterMs(headers: Record<string, unknown>): number | undefined {
  const v = headers['retry-after'] ?? headers['Retry-After'];
  if (v === undefined) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(String(v));
  return Number.isFinite(at) ? Math.max(0, at - Date.now()) : undefined;
}

function toConnectorError(f: RawFailure): ConnectorError {
  let code = f.status === 0 ? 'network' : codeForStatus(f.status);
  // A 429 names the limit it hit (minute, day, appminute, concurrent) in a header, not the body.
  const problem = f.headers['x-rate-limit-problem'];
  const pc = f.status === 429 && typeof problem === 'string' ? problem.toLowerCase() : providerCode(f.body);
  // Xero's answer when the organisation no longer has this app connected (or the call is made
  // for a tenant the grant does not hold): nothing but a reconnection helps.
  if (f.status === 403 && pc === 'AuthorizationUnsuccessful') code = 'disconnected';
  return new ConnectorError(code, `Xero ${f.status || 'network'} ${pc ?? ''}`.trim(), {
    provider: 'xero',
    status: f.status || undefined,
    providerCode: pc,
    retryAfterMs: retryAfterMs(f.headers),
  });
}

export class XeroApi {
  private readonly maxAttempts: number;
  private readonly random: () => number;
  /** Calls made, for tests and benchmarks. */
  calls = 0;

  constructor(private readonly deps: XeroApiDeps) {
    this.maxAttempts = deps.maxAttempts ?? 6;
    this.random = deps.random ?? Math.random;
  }

  async call(tenantId: string, op: XeroCall): Promise<XeroResponse> {
    const { limiter } = this.deps;
    return callWithRetries({
      provider: 'xero',
      tenantId,
      limiter,
      lane: this.deps.lane,
      clock: this.deps.clock,
      random: this.random,
      maxAttempts: this.maxAttempts,
      accessToken: this.deps.accessToken,
      timeoutMs: this.deps.timeoutMs,
      shared: this.deps.shared,
      attempt: async (token, signal) => {
        const xero = await newXeroClient();
        xero.setTokenSet({ access_token: token });
        // The generated API applies its "default" authentication to every request it builds: the
        // one place the SDK lets a caller add to axios's options, here the deadline's signal.
        xero.accountingApi.setDefaultAuthentication({
          applyToRequest: (req: { signal?: AbortSignal }) => {
            req.signal = signal;
          },
        } as never);
        this.calls++;
        const { response } = await op(xero);
        const headers = (response.headers ?? {}) as Record<string, unknown>;
        limiter.observe(tenantId, headers);
        return { status: response.status, data: response.data, headers };
      },
      classify: (err) => {
        const failure = parseFailure(err);
        limiter.observe(tenantId, failure.headers);
        return toConnectorError(failure);
      },
    });
  }
}
