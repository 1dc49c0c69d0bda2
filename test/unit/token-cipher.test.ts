import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createTokenCipher, DecryptError } from '../../src/lib/token-cipher.ts';

const k = (id: string, byte: number) => ({ id, key: new Uint8Array(32).fill(byte) });
const rowA = '2a7c1c6e-3c57-4a55-9a0e-6a0ad2b1e001';
const rowB = '2a7c1c6e-3c57-4a55-9a0e-6a0ad2b1e002';

async function reason(p: Promise<unknown>) {
  try {
    await p;
  } catch (err) {
    if (err instanceof DecryptError) return err.reason;
    throw err;
  }
  return 'decrypted';
}

describe('token cipher (AES-256-GCM)', () => {
  it('round-trips and never repeats a nonce or leaks plaintext', async () => {
    const c = await createTokenCipher([k('k1', 1)]);
    const secret = 'canary-refresh-token-1234567890';
    const nonces = new Set<string>();
    for (let i = 0; i < 500; i++) {
      const ct = await c.encrypt(secret, rowA);
      expect(ct).not.toContain(secret);
      expect(ct.startsWith('v1.k1.')).toBe(true);
      nonces.add(ct.split('.')[2]!);
      expect(await c.decrypt(ct, rowA)).toBe(secret);
    }
    expect(nonces.size).toBe(500);
  });

  it('fails closed when the ciphertext is moved to another row', async () => {
    const c = await createTokenCipher([k('k1', 1)]);
    const ct = await c.encrypt('token', rowA);
    expect(await reason(c.decrypt(ct, rowB))).toBe('auth_failed');
  });

  it('rejects any single-bit change of nonce or body', async () => {
    const c = await createTokenCipher([k('k1', 1)]);
    const ct = await c.encrypt('a token worth stealing', rowA);
    const [v, id, nonce, body] = ct.split('.') as [string, string, string, string];
    const bytes = { nonce: Buffer.from(nonce, 'base64url'), body: Buffer.from(body, 'base64url') };
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('nonce' as const, 'body' as const),
        fc.nat(),
        fc.integer({ min: 0, max: 7 }),
        async (part, at, bit) => {
          const copy = Buffer.from(bytes[part]);
          copy[at % copy.length]! ^= 1 << bit;
          const tampered =
            part === 'nonce'
              ? `${v}.${id}.${copy.toString('base64url')}.${body}`
              : `${v}.${id}.${nonce}.${copy.toString('base64url')}`;
          expect(await reason(c.decrypt(tampered, rowA))).not.toBe('decrypted');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects malformed input and unknown keys without decrypting', async () => {
    const c = await createTokenCipher([k('k1', 1)]);
    for (const bad of ['', 'v1', 'v2.k1.aaaa.bbbb', 'v1.k1..', 'v1.k1.AAAA.BBBB']) {
      expect(await reason(c.decrypt(bad, rowA))).toBe('malformed');
    }
    const other = await createTokenCipher([k('k9', 9)]);
    expect(await reason(c.decrypt(await other.encrypt('x', rowA), rowA))).toBe('unknown_key');
  });

  it('rotates: new key first, old ciphertexts still decrypt and rewrap to the new key', async () => {
    const old = await createTokenCipher([k('2026-01', 1)]);
    const ct = await old.encrypt('refresh-token', rowA);
    const rotated = await createTokenCipher([k('2026-11', 2), k('2026-01', 1)]);
    expect(await rotated.decrypt(ct, rowA)).toBe('refresh-token');
    const rewrapped = await rotated.rewrap(ct, rowA);
    expect(rotated.keyIdOf(rewrapped)).toBe('2026-11');
    expect(await rotated.rewrap(rewrapped, rowA)).toBe(rewrapped);
    // Once the old key is dropped, rewrapped tokens work and unrewrapped ones fail closed.
    const newOnly = await createTokenCipher([k('2026-11', 2)]);
    expect(await newOnly.decrypt(rewrapped, rowA)).toBe('refresh-token');
    expect(await reason(newOnly.decrypt(ct, rowA))).toBe('unknown_key');
  });

  it('refuses keys of the wrong length', async () => {
    await expect(createTokenCipher([{ id: 'short', key: new Uint8Array(16) }])).rejects.toThrow(/32 bytes/);
    await expect(createTokenCipher([])).rejects.toThrow();
  });
});
