import type { QuickBooks as QuickBooksClient } from 'node-quickbooks';
import { callWithRetries } from '../shared/retry.ts';
import type { LimiterClock, RateLimiter, SharedLimits } from '../shared/ratelimit.ts';
import { codeForStatus, ConnectorError, type ConnectorErrorCode, type Lane } from '../types.ts';

/**
 * node-quickbooks, wrapped thinly: promises instead of callbacks, one instance per call built from
 * the stored token, Intuit's limits (10 concurrent, 500/min per realm), retries for throttling and
 * 5xx, and every failure as a typed ConnectorError whose providerCode is Fault.Error[].code.
 */
const MINOR_VERSION = 75;

type QuickBooksConstructor = new (...args: unknown[]) => QuickBooksClient;
let sdk: Promise<QuickBooksConstructor> | undefined;
// node-quickbooks is CommonJS (module.exports = QuickBooks); its typings describe an ES default.
// Node and bundlers both put module.exports at `default` of the namespace (no createRequire, so
// the Workers bundle needs no file URL). Loaded on first use, not at start-up (../xero/sdk.ts).
const loadQuickBooks = () =>
  (sdk ??= import('node-quickbooks').then((m) => (m as unknown as { default: QuickBooksConstructor }).default));

type Cb = (err: unknown, body: unknown, res?: unknown) => void;
export type QboOp = (qbo: QuickBooksClient & Record<string, (...args: unknown[]) => void>, cb: Cb) => void;

export type QboApiDeps = {
  accessToken: (opts?: { forceRefresh?: boolean }) => Promise<string>;
  limiter: RateLimiter;
  /** The tenant's budget shared with other processes (see SharedLimits). */
  shared?: SharedLimits;
  /** The lane every call of this client waits in (see Lane). */
  lane?: Lane;
  clock: LimiterClock;
  sandbox: boolean;
  maxAttempts?: number;
  random?: () => number;
  /** How long one call may take (see DEFAULT_PROVIDER_TIMEOUT_MS). */
  timeoutMs?: number;
};

type Failure = { status: number; code?: string; headers: Record<string, unknown>; type?: string };

const FAULT_CODE = /<Error[^>]*\bcode="(\d+)"/;
const FAULT_TYPE = /<Fault[^>]*\btype="([A-Za-z]+)"/;

/** Reads a failure's status, headers and Intuit fault code from whichever shape it arrived in. */
export function parseFailure(err: unknown, body: unknown): Failure {
  const e = err as {
    response?: { status?: number; headers?: Record<string, unknown>; data?: unknown };
    Fault?: unknown;
  };
  const res = e?.response;
  const data = res?.data ?? body ?? e;
  let code: string | undefined;
  let type: string | undefined;
  if (typeof data === 'string') {
    code = FAULT_CODE.exec(data)?.[1];
    type = FAULT_TYPE.exec(data)?.[1];
  } else if (data && typeof data === 'object') {
    const fault = data as {
      Fault?: { Error?: { code?: string }[]; type?: string };
      fault?: { error?: { code?: string }[]; type?: string };
    };
    code = fault.Fault?.Error?.[0]?.code ?? fault.fault?.error?.[0]?.code;
    type = fault.Fault?.type ?? fault.fault?.type;
  }
  // A fault inside a 200 body has no HTTP status of its own.
  const status = res?.status ?? (code ? 400 : 0);
  return { status, code: code ? String(Number(code)) : undefined, type, headers: res?.headers ?? {} };
}

const FAULT_CODES: Record<string, ConnectorErrorCode> = {
  '3001': 'rate_limited', // ThrottleExceeded
  '3200': 'unauthorized', // AuthenticationFailed
  '100': 'unauthorized',
  '5010': 'conflict', // Stale object: SyncToken out of date
  '610': 'not_found', // Object not found
  '3100': 'disconnected', // ApplicationAuthorizationFailed: the company disconnected this app
};

export function toConnectorError(f: Failure): ConnectorError {
  const code: ConnectorErrorCode =
    (f.code && FAULT_CODES[f.code]) ||
    // Intuit answers 403 when the app may no longer reach the company (disconnected, or the
    // subscription lapsed); a fault code, when there is one, says more and is used first.
    (f.status === 403 ? 'disconnected' : undefined) ||
    (f.status === 0 ? 'network' : codeForStatus(f.status)) ||
    'unknown';
  const retryAfter = Number(f.headers['retry-after']);
  return new ConnectorError(code, `QuickBooks ${f.status || 'network'}${f.code ? ` fault ${f.code}` : ''}`, {
    provider: 'quickbooks',
    status: f.status || undefined,
    providerCode: f.code ?? f.type,
    retryAfterMs: Number.isFinite(retryAfter) ? retryAfter * 1000 : undefined,
  });
}

export class QboApi {
  calls = 0;
  private readonly maxAttempts: number;
  private readonly random: () => number;

  constructor(private readonly deps: QboApiDeps) {
    this.maxAttempts = deps.maxAttempts ?? 6;
    this.random = deps.random ?? Math.random;
  }

  async client(token: string, realmId: string) {
    const QuickBooks = await loadQuickBooks();
    return new QuickBooks({
      consumerKey: '',
      consumerSecret: '',
      token,
      tokenSecret: false,
      realmId,
      useSandbox: this.deps.sandbox,
      debug: false,
      minorversion: MINOR_VERSION,
      oauthversion: '2.0',
    } as never) as QuickBooksClient & Record<string, (...args: unknown[]) => void>;
  }

  async call<T = unknown>(realmId: string, op: QboOp): Promise<T> {
    return callWithRetries({
      provider: 'quickbooks',
      tenantId: realmId,
      limiter: this.deps.limiter,
      lane: this.deps.lane,
      clock: this.deps.clock,
      random: this.random,
      maxAttempts: this.maxAttempts,
      accessToken: this.deps.accessToken,
      // node-quickbooks takes no signal: a call past the deadline is abandoned, not aborted.
      timeoutMs: this.deps.timeoutMs,
      shared: this.deps.shared,
      attempt: async (token) => {
        this.calls++;
        const qbo = await this.client(token, realmId);
        return new Promise<T>((resolve, reject) =>
          op(qbo, (err, body) => (err ? reject({ err, body }) : resolve(body as T))),
        );
      },
      classify: (wrapped) => {
        const { err, body } = wrapped as { err: unknown; body: unknown };
        return toConnectorError(parseFailure(err, body));
      },
    });
  }
}
