import { ConnectorError, type Provider } from '../types.ts';

/**
 * RFC 6749 §5.2 error codes that mean this app's registration or setup is wrong (a rotated client
 * secret, a revoked app), not that the customer's grant is gone: the operator must act, and the
 * customer's connection stays as it is.
 */
const CONFIGURATION = new Set(['invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);

const OAUTH_CODE = /^[a-z_]+$/;

const NAMES: Record<Provider, string> = { xero: 'Xero', quickbooks: 'Intuit', demo: 'demo' };

/**
 * What a token endpoint's refusal means, from its HTTP status and OAuth `error` code. Only
 * `invalid_grant` says the customer must reconnect; throttling, timeouts and outages are retried;
 * configuration errors go to the operator. Anything else is a provider error that retrying later
 * may clear, never a reason to drop the customer's connection.
 */
export function tokenEndpointError(
  provider: Provider,
  answer: { status?: number; error?: unknown },
  cause?: unknown,
): ConnectorError {
  const name = NAMES[provider];
  const { status } = answer;
  // OAuth error codes are snake_case words; the SDKs put their own sentences in the same field
  // when the body had none (openid-client: "expected 200 OK, got: 429 …"), which are not codes.
  const error = typeof answer.error === 'string' && OAUTH_CODE.test(answer.error) ? answer.error : undefined;
  const opts = { provider, status: status || undefined, providerCode: error, cause };
  if (error === 'invalid_grant') return new ConnectorError('invalid_grant', `${name} refused the grant`, opts);
  // A 401 without a code is the client authentication failing (RFC 6749 §5.2, invalid_client).
  if ((error && CONFIGURATION.has(error)) || (status === 401 && !error))
    return new ConnectorError('misconfigured', `${name} refused this app's credentials (${error ?? 'HTTP 401'})`, opts);
  if (!status) return new ConnectorError('network', `${name} token endpoint unreachable`, opts);
  if (status === 429) return new ConnectorError('rate_limited', `${name} token endpoint throttled the refresh`, opts);
  if (status === 408) return new ConnectorError('timeout', `${name} token endpoint timed out`, opts);
  return new ConnectorError('provider_unavailable', `${name} token endpoint answered ${status}`, opts);
}
