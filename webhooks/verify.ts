import { createHmac, timingSafeEqual } from 'node:crypto';
import { constantTimeEqual } from '../src/lib/secrets.ts';

/**
 * Signature checks on the exact bytes received. node:crypto (also on Workers with nodejs_compat):
 * its HMAC is synchronous and ~20x cheaper per call than WebCrypto's thread-pool round trip, which
 * matters on the webhook hot path. Comparisons are constant-time (timingSafeEqual).
 */

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Strict base64 decoding: anything that is not canonical base64 is not a signature. */
function fromBase64(text: string): Uint8Array | null {
  const s = text.trim();
  if (s.length === 0 || s.length % 4 !== 0 || !BASE64.test(s)) return null;
  const out = Buffer.from(s, 'base64');
  // Non-canonical padding bits decode to the same bytes: re-encode to insist on one spelling.
  return out.toString('base64') === s ? new Uint8Array(out) : null;
}

export function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

export function hmacSha256(secret: string | Uint8Array, body: Uint8Array): Uint8Array {
  return new Uint8Array(createHmac('sha256', secret).update(body).digest());
}

const sameMac = (expected: Uint8Array, given: Uint8Array | null) =>
  given !== null && given.length === expected.length && timingSafeEqual(expected, given);

/**
 * base64(HMAC-SHA256(secret, body)) === signature: Xero's x-xero-signature and Intuit's
 * intuit-signature. Compared as text, in constant time, against the MAC's one canonical spelling,
 * so any other spelling of the same bytes fails as fromBase64 would make it; this skips decoding
 * and re-encoding the header on every delivery (a third of the check's cost).
 */
export function verifyHmacBase64(secret: string, body: Uint8Array, signature: string | undefined | null): boolean {
  if (!signature) return false;
  return constantTimeEqual(createHmac('sha256', secret).update(body).digest('base64'), signature.trim());
}

export type StandardWebhookHeaders = {
  id: string | undefined;
  timestamp: string | undefined;
  signature: string | undefined;
};

const encoder = new TextEncoder();
function signedContent(id: string, timestamp: string, body: Uint8Array): Uint8Array {
  const prefix = encoder.encode(`${id}.${timestamp}.`);
  const signed = new Uint8Array(prefix.length + body.length);
  signed.set(prefix);
  signed.set(body, prefix.length);
  return signed;
}
const secretKey = (secret: string) => fromBase64(secret.startsWith('whsec_') ? secret.slice(6) : secret);

/**
 * Standard Webhooks (the scheme agencies' callbacks use): HMAC over `id.timestamp.body` with the
 * base64 key after `whsec_`; the header may carry several `v1,<sig>` entries (key rotation).
 * The timestamp must be within `toleranceSeconds` of `now`: a captured delivery cannot be replayed later.
 */
export async function verifyStandardWebhook(
  secret: string,
  body: Uint8Array,
  headers: StandardWebhookHeaders,
  opts: { now: Date; toleranceSeconds: number },
): Promise<boolean> {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(opts.now.getTime() / 1000 - Number(timestamp)) > opts.toleranceSeconds) return false;
  const key = secretKey(secret);
  if (!key) return false;
  const expected = hmacSha256(key, signedContent(id, timestamp, body));
  return signature.split(' ').some((part) => {
    const [version, value] = part.split(',', 2);
    return version === 'v1' && !!value && sameMac(expected, fromBase64(value));
  });
}

/** Headers for a Standard Webhooks delivery we send (agency hand-offs). */
export async function signStandardWebhook(secret: string, id: string, body: Uint8Array, now: Date) {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const key = secretKey(secret);
  if (!key) throw new Error('signing secret is not base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${toBase64(hmacSha256(key, signedContent(id, timestamp, body)))}`,
  };
}
