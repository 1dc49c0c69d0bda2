import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KeyMaterial } from './token-cipher.ts';

/**
 * The embedded default has no ENCRYPTION_KEYS: one key is generated on first start and kept
 * beside the data (readable by the owner only), so a restart can still read stored tokens.
 */
export function loadOrCreateLocalKeys(dataDir: string): KeyMaterial[] {
  const file = join(dataDir, 'encryption-keys.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { id: string; key: string }[];
    return stored.map((k) => ({ id: k.id, key: new Uint8Array(Buffer.from(k.key, 'base64')) }));
  }
  mkdirSync(dataDir, { recursive: true });
  const key = crypto.getRandomValues(new Uint8Array(32));
  const id = `local-${new Date().toISOString().slice(0, 10)}`;
  writeFileSync(file, JSON.stringify([{ id, key: Buffer.from(key).toString('base64') }]), { mode: 0o600 });
  return [{ id, key }];
}
