import { createTokenCipher } from '../src/lib/token-cipher.ts';
import { report } from './lib.ts';

/**
 * Reliability checklist #19's nonce check at its scale: BENCH_NONCES (default 10^6) encryptions
 * under one key with the token cipher, every nonce kept: how many repeat (goal 0; with random
 * 96-bit nonces the chance of any repeat in 10^6 is about 6 × 10^-18) and the encryption rate.
 * A benchmark, not a test: a million encryptions take tens of seconds.
 */
const COUNT = Number(process.env.BENCH_NONCES ?? 1_000_000);

export async function nonceBench() {
  const cipher = await createTokenCipher([{ id: 'bench', key: new Uint8Array(32).fill(7) }]);
  const seen = new Set<string>();
  let repeats = 0;
  const t0 = performance.now();
  for (let i = 0; i < COUNT; i++) {
    const nonce = (await cipher.encrypt('xrt_canary-refresh-token', `row-${i % 1000}`)).split('.')[2]!;
    if (seen.has(nonce)) repeats++;
    else seen.add(nonce);
  }
  const seconds = (performance.now() - t0) / 1000;
  return report(
    'nonces',
    [
      {
        encryptions: COUNT,
        'distinct nonces': seen.size,
        repeats,
        's total': Number(seconds.toFixed(1)),
        'encryptions/s': Math.round(COUNT / seconds),
      },
    ],
    {
      method:
        'token cipher encrypt() under one AES-256 key, random 96-bit nonces from WebCrypto getRandomValues; every nonce kept in a set',
      goals: { repeats: '0' },
    },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) await nonceBench();
