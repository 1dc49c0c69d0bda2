import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Opaque random tokens (sessions, API tokens, OAuth state); only their hashes are stored. */
export const randomToken = (prefix = '') => `${prefix}${randomBytes(32).toString('base64url')}`;
/** Hex SHA-256 of a string (as UTF-8) or of bytes: token hashes, and a webhook body's digest. */
export const sha256 = (value: string | Uint8Array) => createHash('sha256').update(value).digest('hex');

/** A PKCE pair (RFC 7636, S256): the verifier stays on the server, the challenge goes in the consent URL. */
export const pkcePair = () => {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
};

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
