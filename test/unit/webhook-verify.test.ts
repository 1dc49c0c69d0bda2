import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  hmacSha256,
  signStandardWebhook,
  toBase64,
  verifyHmacBase64,
  verifyStandardWebhook,
} from '../../webhooks/verify.ts';
import { fixtureBytes, vectors } from '../support/fixtures.ts';

const enc = new TextEncoder();

describe('webhook signatures: known vectors (reliability #1)', () => {
  it("accepts Intuit's vector over the exact bytes of the SDK's payload", async () => {
    const v = vectors().intuit_legacy;
    const body = fixtureBytes('quickbooks/webhook-legacy-signed.json');
    expect(await verifyHmacBase64(v.verifierToken, body, v['intuit-signature'])).toBe(true);
  });

  it('rejects the re-serialised Intuit payload: reordered keys, whitespace, \\u escapes (reliability #4)', async () => {
    const v = vectors().intuit_legacy;
    const body = fixtureBytes('quickbooks/webhook-legacy-signed.json');
    const text = new TextDecoder().decode(body);
    const parsed = JSON.parse(text);
    const variants = [
      JSON.stringify(parsed, null, 2),
      `${text}\n`,
      JSON.stringify(parsed).replace('"Customer"', '"\\u0043ustomer"'),
      JSON.stringify({
        eventNotifications: parsed.eventNotifications.map((n: Record<string, unknown>) => ({
          dataChangeEvent: n.dataChangeEvent,
          realmId: n.realmId,
        })),
      }),
    ];
    for (const variant of variants) {
      expect(JSON.parse(variant)).toEqual(parsed);
      expect(await verifyHmacBase64(v.verifierToken, enc.encode(variant), v['intuit-signature'])).toBe(false);
    }
  });

  it('accepts the Standard Webhooks vector at its own time and rejects it now (reliability #3)', async () => {
    const v = vectors().standard_webhooks;
    const headers = { id: v['webhook-id'], timestamp: v['webhook-timestamp'], signature: v['webhook-signature'] };
    const at = new Date(Number(v['webhook-timestamp']) * 1000);
    const body = enc.encode(v.payload);
    expect(await verifyStandardWebhook(v.secret, body, headers, { now: at, toleranceSeconds: 300 })).toBe(true);
    expect(await verifyStandardWebhook(v.secret, body, headers, { now: new Date(), toleranceSeconds: 300 })).toBe(
      false,
    );
    for (const skew of [-299, 299]) {
      expect(
        await verifyStandardWebhook(v.secret, body, headers, {
          now: new Date(at.getTime() + skew * 1000),
          toleranceSeconds: 300,
        }),
      ).toBe(true);
    }
    for (const skew of [-301, 301]) {
      expect(
        await verifyStandardWebhook(v.secret, body, headers, {
          now: new Date(at.getTime() + skew * 1000),
          toleranceSeconds: 300,
        }),
      ).toBe(false);
    }
  });
});

it('signs Standard Webhooks deliveries that verify, and accepts any matching signature of several (key rotation)', async () => {
  const secret = `whsec_${toBase64(new Uint8Array(32).fill(9))}`;
  const body = enc.encode('{"case":"c-1","status":"collecting"}');
  const now = new Date('2026-11-20T10:00:00Z');
  const h = await signStandardWebhook(secret, 'msg_1', body, now);
  const headers = {
    id: h['webhook-id'],
    timestamp: h['webhook-timestamp'],
    signature: `v1,AAAA v1a,zzz ${h['webhook-signature']}`,
  };
  expect(await verifyStandardWebhook(secret, body, headers, { now, toleranceSeconds: 300 })).toBe(true);
  expect(
    await verifyStandardWebhook(secret, body, { ...headers, signature: 'v1,AAAA' }, { now, toleranceSeconds: 300 }),
  ).toBe(false);
});

it('matches openssl on a self-made Xero vector (no official one exists)', async () => {
  const key = 'xero-webhook-key-for-tests';
  const itr = '{"events":[],"firstEventSequence":0,"lastEventSequence":0,"entropy":"FWXSBWGUBYOWBQ"}';
  // printf '%s' "$itr" | openssl dgst -sha256 -hmac "$key" -binary | base64
  const expected = 'oP9ia6hcGY8WW2XgqmRYfBh1uKm/7Bu5dQuGyYTb7FY=';
  expect(toBase64(hmacSha256(key, enc.encode(itr)))).toBe(expected);
  expect(await verifyHmacBase64(key, enc.encode(itr), expected)).toBe(true);
});

it('accepts exact bytes with a BOM, CRLF and non-ASCII text, and nothing that is not canonical base64', async () => {
  const key = 'k';
  const body = new Uint8Array([0xef, 0xbb, 0xbf, ...enc.encode('{"name":"Zoë Ōtaki\r\n😀"}')]);
  const sig = createHmac('sha256', key).update(body).digest('base64');
  expect(await verifyHmacBase64(key, body, sig)).toBe(true);
  for (const bad of [
    undefined,
    '',
    ' ',
    sig.slice(0, -1),
    `${sig}=`,
    sig.replace(/=$/, ''),
    `${sig.slice(0, 10)}!${sig.slice(11)}`,
    createHmac('sha256', key).update(body).digest('hex'),
  ]) {
    expect(await verifyHmacBase64(key, body, bad)).toBe(false);
  }
});
