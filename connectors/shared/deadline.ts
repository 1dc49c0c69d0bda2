import { ConnectorError, type Provider } from '../types.ts';

/**
 * How long one provider HTTP call (an API read, a note, a token refresh) may take before it
 * counts as failed. The SDKs set none (xero-node and node-quickbooks call axios without a
 * timeout), so a provider that accepts the connection and never answers would otherwise hold the
 * tenant's rate-limit slots, the refresh lock and the reminder tick until the process restarts.
 */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 30_000;

/**
 * Runs `work` with a deadline: past `ms` it rejects with a retryable `timeout` ConnectorError and
 * aborts the signal it handed to `work`, so an SDK that takes a signal drops the request too.
 * The caller is released either way; a request whose SDK cannot be aborted ends on its own.
 */
export async function withDeadline<T>(
  provider: Provider,
  ms: number,
  what: string,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new ConnectorError('timeout', `${what} took longer than ${ms} ms`, { provider });
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}
