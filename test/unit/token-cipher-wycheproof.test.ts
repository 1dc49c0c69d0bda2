import { describe, expect, it } from 'vitest';
import { DecryptError, importKey, open, seal } from '../../src/lib/token-cipher.ts';
import { fixtureJson } from '../support/fixtures.ts';

/**
 * Reliability checklist #19: the AES-GCM under every stored secret against Project Wycheproof's
 * aes_gcm vectors (every 256-bit-key group; see test/fixtures/vectors). With a 96-bit IV, a valid
 * vector seals to exactly its ciphertext and tag and opens back; an invalid one does not open.
 * Any other IV size is one the cipher never uses and refuses outright, valid or not.
 */
type Vector = {
  tcId: number;
  comment: string;
  flags: string[];
  iv: string;
  key: string;
  aad: string;
  msg: string;
  ct: string;
  tag: string;
  result: 'valid' | 'invalid' | 'acceptable';
};
type Group = { ivSize: number; keySize: number; tagSize: number; tests: Vector[] };
const file = fixtureJson<{ numberOfTests: number; testGroups: Group[] }>('vectors/wycheproof-aes-gcm-256.json');
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const cases = file.testGroups.flatMap((g) => g.tests.map((t) => ({ ...t, ivSize: g.ivSize, tagSize: g.tagSize })));

async function opened(v: (typeof cases)[number]) {
  const key = await importKey(`wycheproof-${v.tcId}`, hex(v.key));
  try {
    return toHex(await open(key, hex(v.iv), hex(v.aad), hex(v.ct + v.tag)));
  } catch (err) {
    if (err instanceof DecryptError) return err.reason;
    throw err;
  }
}

describe('the token cipher against Wycheproof AES-GCM (reliability #19)', () => {
  it('holds every 256-bit-key vector of the file', () => {
    expect(cases).toHaveLength(file.numberOfTests);
    expect(cases.filter((v) => v.ivSize === 96).length).toBeGreaterThan(40);
  });

  it.each(cases.filter((v) => v.ivSize === 96 && v.tagSize === 128))(
    'tcId $tcId ($result, $comment): seals and opens exactly as specified',
    async (v) => {
      if (v.result === 'valid') {
        const key = await importKey('k', hex(v.key));
        expect(toHex(await seal(key, hex(v.iv), hex(v.aad), hex(v.msg)))).toBe(v.ct + v.tag);
        expect(await opened(v)).toBe(v.msg);
      } else {
        expect(['auth_failed', 'malformed']).toContain(await opened(v));
      }
    },
  );

  it('refuses every vector with an IV other than 96 bits, before any decryption', async () => {
    const others = cases.filter((v) => v.ivSize !== 96);
    expect(others.length).toBeGreaterThan(20);
    for (const v of others) expect(await opened(v), `tcId ${v.tcId}`).toBe('malformed');
    const key = await importKey('k', hex(others[0]!.key));
    await expect(seal(key, hex(others[0]!.iv), new Uint8Array(), new Uint8Array())).rejects.toThrow(/12 bytes/);
  });

  it('refuses keys that are not 256 bits', async () => {
    for (const bytes of [16, 24, 31, 33])
      await expect(importKey('k', new Uint8Array(bytes))).rejects.toThrow(/32 bytes/);
  });
});
