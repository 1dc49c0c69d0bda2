import { expect, it } from 'vitest';
import { keptHeaders } from '../../webhooks/inbox.ts';

const raw = [
  'Host',
  '127.0.0.1:8080',
  'X-Xero-Signature',
  'c2ln',
  'Authorization',
  'Bearer secret',
  'Cookie',
  'session=1',
  'Proxy-Authorization',
  'Basic eA==',
  'X-Forwarded-For',
  '10.0.0.1',
  'x-forwarded-for',
  '10.0.0.2',
  'X-Long',
  'a'.repeat(1500),
];

it('keeps the same evidence from Node raw headers as from a Headers object, without credentials', () => {
  const fromRaw = keptHeaders({ rawHeaders: raw });
  const web = new Headers();
  for (let i = 0; i < raw.length; i += 2) web.append(raw[i]!, raw[i + 1]!);
  expect(fromRaw).toEqual(keptHeaders(web));
  expect(fromRaw).toEqual({
    host: '127.0.0.1:8080',
    'x-xero-signature': 'c2ln',
    'x-forwarded-for': '10.0.0.1, 10.0.0.2',
    'x-long': 'a'.repeat(1000),
  });
});
