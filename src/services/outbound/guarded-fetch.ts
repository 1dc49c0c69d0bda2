import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * The transport for what overdue POSTs to addresses its users give it (outbound webhooks, agency
 * case deliveries): it cannot be pointed inside the network overdue runs in. The address a name
 * resolves to is checked when the connection is made, so a name that resolved somewhere public
 * when it was saved and inside now (DNS rebinding) is still refused; redirects are not followed.
 * Refusals carry `code: 'EBLOCKED'`, which the delivery log shows as the reason.
 */
const INSIDE = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4],
] as const)
  INSIDE.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['fd00:ec2::', 32], // AWS metadata over IPv6
] as const)
  INSIDE.addSubnet(net, bits, 'ipv6');
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

class Blocked extends Error {
  readonly code = 'EBLOCKED';
  constructor(what: string) {
    super(`${what} is inside this network: deliveries go only to public addresses`);
    this.name = 'Blocked';
  }
}

/** Whether `address` may be connected to (a loopback receiver only when allowed). */
export function reachable(address: string, allowLoopback: boolean): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  const type = family === 6 ? 'ipv6' : 'ipv4';
  // An IPv4 address written as IPv6 (::ffff:10.0.0.1) is judged as the IPv4 it is.
  const mapped = type === 'ipv6' ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  if (mapped) return reachable(mapped, allowLoopback);
  if (allowLoopback && LOOPBACK.check(address, type)) return true;
  return !INSIDE.check(address, type);
}

function guardedLookup(allowLoopback: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as LookupAddress[];
      const refused = list.find((a) => !reachable(a.address, allowLoopback));
      if (refused || list.length === 0) return callback(new Blocked(hostname), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      callback(null, list[0]!.address, list[0]!.family);
    });
  };
}

/** A `fetch` for user-given receivers: https (http only to a loopback receiver when allowed). */
export function guardedFetch(opts: { allowLoopback: boolean }): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const loopbackHttp = url.protocol === 'http:' && opts.allowLoopback;
    if (url.protocol !== 'https:' && !loopbackHttp) throw new Blocked(`${url.protocol}//${url.host}`);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    // A literal address is never looked up: it is judged here.
    if (isIP(host) && !reachable(host, opts.allowLoopback)) throw new Blocked(host);
    const body = init.body == null ? undefined : Buffer.from(init.body as Uint8Array | string);
    return new Promise<Response>((resolve, reject) => {
      const req = (url.protocol === 'https:' ? https : http).request(
        url,
        {
          method: init.method ?? 'GET',
          headers: Object.fromEntries(new Headers(init.headers).entries()),
          lookup: guardedLookup(opts.allowLoopback),
          signal: init.signal ?? undefined,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 502;
            const empty = status === 204 || status === 205 || status === 304;
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
            resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers }));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }) as typeof fetch;
}
