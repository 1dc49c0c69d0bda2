import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Opaque random tokens (sessions, API tokens, OAuth state); only their hashes are stored. */
export const randomToken = (prefix = '') => `${prefix}${randomBytes(32).toString('base64url')}`;
export const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
