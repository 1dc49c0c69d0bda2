import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

type AgencyRequest = {
  path: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array;
  json: { type: string; data: Record<string, unknown> };
};

/**
 * A collection agency's endpoint on loopback: keeps every request (raw body and headers) and
 * answers with the next status from `statuses` (then 200), so retries can be driven.
 */
export async function agencyServer(statuses: number[] = []) {
  const received: AgencyRequest[] = [];
  const queue = [...statuses];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = new Uint8Array(Buffer.concat(chunks));
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
        json: JSON.parse(Buffer.from(body).toString('utf8')),
      });
      res.statusCode = queue.shift() ?? 200;
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cases`,
    received,
    fail: (...s: number[]) => queue.push(...s),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
