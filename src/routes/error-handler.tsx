import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { ConnectorError } from '../../connectors/types.ts';
import { dbError } from '../db/client.ts';
import { AppError, type ErrorCode, type FieldIssue } from '../errors.ts';
import { ErrorPage } from '../ui/error-page.tsx';
import type { AppEnv } from './env.ts';

const STATUS: Record<ErrorCode, ContentfulStatusCode> = {
  not_found: 404,
  validation_failed: 400,
  conflict: 409,
  unauthenticated: 401,
  forbidden: 403,
  precondition_failed: 412,
  unavailable: 503,
  payload_too_large: 413,
  too_many_requests: 429,
  internal: 500,
};

/** The one error body every endpoint returns. */
export type ErrorBody = { error: { code: string; message: string; requestId: string; issues?: FieldIssue[] } };

export function errorBody<E extends AppEnv>(
  c: Context<E>,
  code: string,
  message: string,
  issues?: FieldIssue[],
): ErrorBody {
  return { error: { code, message, requestId: c.get('requestId') ?? 'unknown', ...(issues ? { issues } : {}) } };
}

export function zodIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): FieldIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * A person's browser asking for a dashboard page (or posting its form) gets an HTML page; the API,
 * providers' webhooks and scripts get the JSON body.
 */
function wantsPage(c: Context<AppEnv>): boolean {
  return !c.req.path.startsWith('/api/') && (c.req.header('accept') ?? '').includes('text/html');
}

function answer(c: Context<AppEnv>, body: ErrorBody, status: ContentfulStatusCode) {
  if (!wantsPage(c)) return c.json(body, status);
  const { message, requestId, issues } = body.error;
  const principal = (c.var as { principal?: { role: string } }).principal;
  return c.html(
    <ErrorPage status={status} message={message} requestId={requestId} issues={issues} user={principal} />,
    status,
  );
}

/** Maps domain errors to statuses; anything unexpected is logged and answered without internals. */
export function onError(err: Error, c: Context<AppEnv>) {
  if (err instanceof AppError) {
    const details = err.details as { issues?: FieldIssue[]; retryAfterSeconds?: number } | undefined;
    if (details?.retryAfterSeconds) c.header('retry-after', String(details.retryAfterSeconds));
    return answer(c, errorBody(c, err.code, err.message, details?.issues), STATUS[err.code]);
  }
  // A handler's own schema refused a parameter: the caller's mistake, said as one.
  if (err instanceof ZodError)
    return answer(c, errorBody(c, 'validation_failed', 'request is invalid', zodIssues(err.issues)), 400);
  if (err instanceof ConnectorError) {
    // A provider failed us: say which and whether trying again may help, never the raw response.
    const reconnect = err.code === 'invalid_grant' || err.code === 'disconnected';
    c.var.deps?.logger.warn('provider error', {
      requestId: c.get('requestId'),
      provider: err.provider,
      code: err.code,
      providerCode: err.providerCode,
    });
    return answer(
      c,
      errorBody(
        c,
        reconnect ? 'needs_reconnect' : 'provider_error',
        reconnect ? `reconnect ${err.provider} to continue` : `${err.provider} request failed (${err.code})`,
      ),
      reconnect ? 409 : 502,
    );
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const code = status === 401 ? 'unauthenticated' : status === 413 ? 'payload_too_large' : 'bad_request';
    return answer(c, errorBody(c, code, err.message || 'request rejected'), status);
  }
  c.var.deps?.logger.error('unhandled error', {
    requestId: c.get('requestId'),
    path: c.req.path,
    error: err.name,
    ...dbError(err),
  });
  return answer(c, errorBody(c, 'internal', 'internal error'), 500);
}

export function onNotFound(c: Context<AppEnv>) {
  return answer(c, errorBody(c, 'not_found', `no route for ${c.req.method} ${c.req.path}`), 404);
}
