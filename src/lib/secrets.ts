import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Opaque random tokens (sessions, API tokens, OAuth state); only their hashes are stored. */
export const randomToken = (prefix = '') => `${prefix}${randomBytes(32).toString('base64url')}`;
/** Hex SHA-256 of a string (as UTF-8) or of bytes: token hashes, and a webhook body's digest. */
export const sha256 = (value: string | Uint8Array) => createHash('sha256').update(value).digest('hex');

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
