import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PROVIDER_MODULES } from '../../connectors/registry.ts';
import { toBase64, verifyHmacBase64, verifyStandardWebhook } from '../../webhooks/verify.ts';
import { fixtureBytes, vectors } from '../support/fixtures.ts';

/**
 * Reliability checklist #1 at the scale it states: every known vector is accepted as given, and
 * 10,000 generated one-bit changes of each of its parts (body, secret, signature, and for Standard
 * Webhooks the id and timestamp) are each refused.
 */
const RUNS = { numRuns: 10_000 };
const enc = new TextEncoder();

const flipBit = (bytes: Uint8Array, bit: number) => {
  const out = bytes.slice();
  out[Math.floor(bit / 8)]! ^= 1 << (bit % 8);
  return out;
};
/** One bit of one character's code, within ASCII: a secret one typo away. */
const flipCharBit = (s: string, bit: number) => {
  const at = Math.floor(bit / 7);
  return s.slice(0, at) + String.fromCharCode(s.charCodeAt(at) ^ (1 << (bit % 7))) + s.slice(at + 1);
};
const hexToBytes = (hex: string) => new Uint8Array(Buffer.from(hex, 'hex'));
const fromBase64 = (text: string) => new Uint8Array(Buffer.from(text, 'base64'));

type HmacCase = {
  body: Uint8Array;
  secret: string;
  signature: string;
  verify(s: string, b: Uint8Array, sig: string): boolean;
};

/** The HMAC-SHA256 vectors, each through the verifier the service uses for it. */
function hmacCases(): Record<string, HmacCase> {
  const v = vectors();
  const github = v.github['X-Hub-Signature-256'].replace(/^sha256=/, '');
  return {
    // Each provider's own webhook reader, as the receiver calls it.
    quickbooks: {
      body: fixtureBytes(v.intuit_legacy.payloadFile),
      secret: v.intuit_legacy.verifierToken,
      signature: v.intuit_legacy['intuit-signature'],
      verify: PROVIDER_MODULES.quickbooks.webhook.verify,
    },
    xero: {
      body: fixtureBytes(v.xero.payloadFile),
      secret: v.xero.webhookKey,
      signature: v.xero['x-xero-signature'],
      verify: PROVIDER_MODULES.xero.webhook.verify,
    },
    // GitHub's published vector checks the same MAC: its hex digest, spelt as base64.
    github: {
      body: enc.encode(v.github.payload),
      secret: v.github.secret,
      signature: toBase64(hexToBytes(github)),
      verify: verifyHmacBase64,
    },
  };
}

describe('webhook signatures under one-bit changes (reliability #1)', () => {
  describe.each(Object.entries(hmacCases()))('%s vector', (_name, c) => {
    const sig = fromBase64(c.signature);

    it('is accepted as given', () => {
      expect(c.verify(c.secret, c.body, c.signature)).toBe(true);
    });

    it('refuses 10,000 one-bit changes of the body', () => {
      fc.assert(
        fc.property(fc.nat(c.body.length * 8 - 1), (bit) => !c.verify(c.secret, flipBit(c.body, bit), c.signature)),
        RUNS,
      );
    });

    it('refuses 10,000 one-bit changes of the secret', () => {
      fc.assert(
        fc.property(
          fc.nat(c.secret.length * 7 - 1),
          (bit) => !c.verify(flipCharBit(c.secret, bit), c.body, c.signature),
        ),
        RUNS,
      );
    });

    it('refuses 10,000 one-bit changes of the signature', () => {
      fc.assert(
        fc.property(fc.nat(sig.length * 8 - 1), (bit) => !c.verify(c.secret, c.body, toBase64(flipBit(sig, bit)))),
        RUNS,
      );
    });
  });

  describe('Standard Webhooks vector (agency callbacks)', () => {
    const v = vectors().standard_webhooks;
    const at = new Date(Number(v['webhook-timestamp']) * 1000);
    const opts = { now: at, toleranceSeconds: 300 };
    const body = enc.encode(v.payload);
    const h = { id: v['webhook-id'], timestamp: v['webhook-timestamp'], signature: v['webhook-signature'] };
    const key = fromBase64(v.secret.slice('whsec_'.length));
    const sig = fromBase64(h.signature.slice('v1,'.length));
    const refuses = async (
      secret: string,
      bytes: Uint8Array,
      headers: typeof h,
      when: { now: Date; toleranceSeconds: number },
    ) => !(await verifyStandardWebhook(secret, bytes, headers, when));

    it('is accepted at its own time', async () => {
      expect(await verifyStandardWebhook(v.secret, body, h, opts)).toBe(true);
    });

    it('refuses 10,000 one-bit changes of the body', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(body.length * 8 - 1), (bit) => refuses(v.secret, flipBit(body, bit), h, opts)),
        RUNS,
      );
    });

    it('refuses 10,000 one-bit changes of the secret', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(key.length * 8 - 1), (bit) =>
          refuses(`whsec_${toBase64(flipBit(key, bit))}`, body, h, opts),
        ),
        RUNS,
      );
    });

    it('refuses 10,000 one-bit changes of the id', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(h.id.length * 7 - 1), (bit) =>
          refuses(v.secret, body, { ...h, id: flipCharBit(h.id, bit) }, opts),
        ),
        RUNS,
      );
    });

    it('refuses 10,000 changes of the timestamp, even with the clock moved to match it', async () => {
      // A changed digit can keep the time inside the window (the last digits): the MAC refuses it.
      await fc.assert(
        fc.asyncProperty(fc.nat(h.timestamp.length - 1), fc.integer({ min: 1, max: 9 }), (i, d) => {
          const ts = h.timestamp.slice(0, i) + String((Number(h.timestamp[i]) + d) % 10) + h.timestamp.slice(i + 1);
          return refuses(
            v.secret,
            body,
            { ...h, timestamp: ts },
            { now: new Date(Number(ts) * 1000), toleranceSeconds: 300 },
          );
        }),
        RUNS,
      );
    });

    it('refuses 10,000 one-bit changes of the signature', async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(sig.length * 8 - 1), (bit) =>
          refuses(v.secret, body, { ...h, signature: `v1,${toBase64(flipBit(sig, bit))}` }, opts),
        ),
        RUNS,
      );
    });
  });
});
