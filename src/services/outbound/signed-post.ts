import { randomBytes } from 'node:crypto';
import { signStandardWebhook } from '../../../webhooks/verify.ts';

/**
 * What agency hand-offs and the firm's own webhook endpoints share: a Standard Webhooks secret,
 * the signed JSON POST, the retry schedule and how a failed attempt is named in the log.
 */

/** A signing secret (shown once to the receiver, stored encrypted). */
export const newSigningSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** 1, 4, 16, 64 minutes, then every 4 hours. */
export const retryDelayMs = (attempt: number) => Math.min(60_000 * 4 ** (attempt - 1), 4 * 3600_000);

const TIMEOUT_MS = 15_000;

/** POSTs `payload` as JSON, signed with `secret` under `webhookId` (the same on every retry). Returns the HTTP status. */
export async function postSignedJson(
  opts: { url: string; secret: string; webhookId: string; payload: unknown; now: Date; userAgent: string },
  doFetch: typeof fetch = fetch,
): Promise<number> {
  const body = new TextEncoder().encode(JSON.stringify(opts.payload));
  const headers = await signStandardWebhook(opts.secret, opts.webhookId, body, opts.now);
  const res = await doFetch(opts.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': opts.userAgent, ...headers },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  await res.arrayBuffer().catch(() => undefined);
  return res.status;
}

/** A failed attempt in a word: our own code, the system's (fetch puts it on `cause`), or the error's name. */
export const failureCode = (err: unknown): string =>
  (err as { code?: string }).code ??
  (err as { cause?: { code?: string } }).cause?.code ??
  (err as Error).name ??
  'delivery error';
