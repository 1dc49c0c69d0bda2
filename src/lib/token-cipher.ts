/**
 * AES-256-GCM for secrets at rest (OAuth tokens, agency secrets), on WebCrypto so the same code
 * runs on Node and Workers. Each ciphertext records the key id that made it and is bound to its
 * row by the associated data, so ciphertext moved to another row fails to decrypt.
 *
 * Format: `v1.<keyId>.<base64url nonce>.<base64url ciphertext+tag>`
 */

export type KeyMaterial = { id: string; key: Uint8Array };

export class DecryptError extends Error {
  constructor(readonly reason: 'malformed' | 'unknown_key' | 'auth_failed') {
    super(`token decryption failed: ${reason}`);
    this.name = 'DecryptError';
  }
}

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const fromB64url = (s: string) => new Uint8Array(Buffer.from(s, 'base64url'));
const utf8 = new TextEncoder();

export type TokenCipher = {
  /** Id of the key new ciphertexts use. */
  readonly primaryKeyId: string;
  encrypt(plaintext: string, rowId: string): Promise<string>;
  decrypt(ciphertext: string, rowId: string): Promise<string>;
  /** Key id recorded in a ciphertext (no decryption). */
  keyIdOf(ciphertext: string): string;
  /** Re-encrypts under the primary key; returns the input unchanged when it already uses it. */
  rewrap(ciphertext: string, rowId: string): Promise<string>;
};

/** Only AES-256 keys: a shorter key is refused, not padded or used. */
export async function importKey(id: string, key: Uint8Array): Promise<CryptoKey> {
  if (key.length !== 32) throw new Error(`key ${id} must be 32 bytes`);
  return crypto.subtle.importKey('raw', new Uint8Array(key), 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** AES-GCM with a 96-bit nonce and a 128-bit tag appended: the only parameters this cipher uses. */
export async function seal(key: CryptoKey, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array) {
  if (nonce.length !== 12) throw new Error('nonce must be 12 bytes');
  return new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: new Uint8Array(nonce), additionalData: new Uint8Array(aad) },
      key,
      new Uint8Array(plain),
    ),
  );
}

/** Opens what `seal` made; anything else (other nonce sizes, short or altered tags) is refused. */
export async function open(key: CryptoKey, nonce: Uint8Array, aad: Uint8Array, body: Uint8Array) {
  if (nonce.length !== 12 || body.length < 16) throw new DecryptError('malformed');
  try {
    return new Uint8Array(
      await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: new Uint8Array(nonce), additionalData: new Uint8Array(aad) },
        key,
        new Uint8Array(body),
      ),
    );
  } catch {
    throw new DecryptError('auth_failed');
  }
}

/** The first key encrypts; every key decrypts (rotation: put the new key first, rewrap, then drop the old). */
export async function createTokenCipher(keys: KeyMaterial[]): Promise<TokenCipher> {
  if (keys.length === 0) throw new Error('token cipher needs at least one key');
  const ring = new Map<string, CryptoKey>();
  for (const k of keys) ring.set(k.id, await importKey(k.id, k.key));
  const primaryKeyId = keys[0]!.id;
  const aad = (keyId: string, rowId: string) => utf8.encode(`overdue:v1:${keyId}:${rowId}`);

  const parse = (ciphertext: string) => {
    const parts = ciphertext.split('.');
    if (parts.length !== 4 || parts[0] !== 'v1' || !parts[1] || !parts[2] || !parts[3]) {
      throw new DecryptError('malformed');
    }
    return { keyId: parts[1], nonce: fromB64url(parts[2]), body: fromB64url(parts[3]) };
  };

  const encrypt = async (plaintext: string, rowId: string) => {
    const nonce = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await seal(ring.get(primaryKeyId)!, nonce, aad(primaryKeyId, rowId), utf8.encode(plaintext));
    return `v1.${primaryKeyId}.${b64url(nonce)}.${b64url(sealed)}`;
  };

  const decrypt = async (ciphertext: string, rowId: string) => {
    const { keyId, nonce, body } = parse(ciphertext);
    const key = ring.get(keyId);
    if (!key) throw new DecryptError('unknown_key');
    return new TextDecoder().decode(await open(key, nonce, aad(keyId, rowId), body));
  };

  return {
    primaryKeyId,
    encrypt,
    decrypt,
    keyIdOf: (ciphertext) => parse(ciphertext).keyId,
    rewrap: async (ciphertext, rowId) =>
      parse(ciphertext).keyId === primaryKeyId ? ciphertext : encrypt(await decrypt(ciphertext, rowId), rowId),
  };
}
