import { createServer, type Server } from 'node:http';
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { outboundDelivery } from '../../src/db/schema/index.ts';
import { createEndpoint, deliverOutbound, emitEvent } from '../../src/services/outbound/events.ts';
import { guardedFetch, reachable } from '../../src/services/outbound/guarded-fetch.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { makeFirm, systemCtx } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

/**
 * Outbound webhooks and agency deliveries go where a firm admin says (issue 29, "Server-side
 * request forgery"): http to 127.0.0.1 on any port and https to 169.254.169.254 or private ranges
 * used to be accepted, and the delivery log said what answered, so an admin could scan the
 * server's network. Now only public addresses are reached, checked when the connection is made.
 */
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function receiver(answer: (res: import('node:http').ServerResponse) => void) {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    answer(res);
  });
  const port = await new Promise<number>((r) =>
    server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)),
  );
  return { hits, port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string },
  );

describe('addresses a delivery may reach', () => {
  it('refuses loopback, private, link-local (cloud metadata), CGNAT, unique-local and mapped forms; allows public ones', () => {
    for (const a of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.5.4',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fd00::1',
      'fe80::1',
      '::ffff:10.0.0.1',
      '::ffff:127.0.0.1',
      'fd00:ec2::254',
      '224.0.0.1',
    ])
      expect(reachable(a, false), a).toBe(false);
    for (const a of ['8.8.8.8', '1.1.1.1', '2001:4860:4860::8888']) expect(reachable(a, false), a).toBe(true);
    expect(reachable('127.0.0.1', true)).toBe(true);
    expect(reachable('10.1.2.3', true)).toBe(false);
  });
});

describe('the guarded transport', () => {
  it('refuses http, literal inside addresses and names that resolve inside, before any byte is sent', async () => {
    const r = await receiver((res) => res.writeHead(204).end());
    try {
      const strict = guardedFetch({ allowLoopback: false });
      for (const url of [
        `http://127.0.0.1:${r.port}/hook`,
        'https://169.254.169.254/latest/meta-data/',
        'https://[::1]/hook',
        `https://localhost:${r.port}/hook`,
        'https://10.0.0.5/hook',
      ]) {
        const err = await failure(strict(url, { method: 'POST', body: '{}' }));
        expect(err?.code, url).toBe('EBLOCKED');
      }
      expect(r.hits).toHaveLength(0);
    } finally {
      await r.close();
    }
  });

  it('with loopback allowed (development), delivers to a receiver on this machine and does not follow its redirect', async () => {
    const r = await receiver((res) => res.writeHead(302, { location: 'http://169.254.169.254/' }).end());
    try {
      const dev = guardedFetch({ allowLoopback: true });
      const res = await dev(`http://127.0.0.1:${r.port}/hook`, { method: 'POST', body: '{"a":1}' });
      expect(res.status).toBe(302);
      expect(r.hits).toEqual(['POST /hook']);
    } finally {
      await r.close();
    }
  });

  it('an endpoint inside the network: the delivery fails with a category, not what answered', async () => {
    const firm = await makeFirm(database.db);
    const deps = await testDeps(database);
    const ctx = systemCtx(database.db, firm.id, deps.clock);
    await createEndpoint({ ctx, input: { url: 'https://10.0.0.5/hooks', events: ['credit.alert'] } }, deps.cipher);
    await emitEvent(database.db, firm.id, 'credit.alert', { invoiceId: 'i-1' }, deps.clock.now());
    const fetch = guardedFetch({ allowLoopback: false });
    expect(
      await deliverOutbound({ db: database.db, clock: deps.clock, logger: deps.logger, cipher: deps.cipher, fetch }),
    ).toEqual({
      claimed: 1,
      delivered: 0,
    });
    const [d] = await database.db.select().from(outboundDelivery).where(eq(outboundDelivery.firmId, firm.id));
    expect(d!.lastError).toBe('EBLOCKED');
  });
});

describe('saving a receiver', () => {
  it('refuses http:// unless the operator allows loopback receivers, with a clear error', async () => {
    const strict = createApp(await testDeps(database, { config: testConfig({ ALLOW_LOOPBACK_RECEIVERS: 'false' }) }));
    const firm = await makeFirm(database.db);
    const owner = await signedIn(database.db, firm.id);
    const post = (url: string) =>
      strict.request('/api/v1/webhook-endpoints', {
        method: 'POST',
        headers: { cookie: owner.cookie, 'content-type': 'application/json' },
        body: JSON.stringify({ url, events: ['credit.alert'] }),
      });
    const http = await post('http://127.0.0.1:9/hook');
    expect(http.status).toBe(400);
    expect((await http.json()).error.message).toMatch(/ALLOW_LOOPBACK_RECEIVERS/);
    expect((await post('https://receiver.example/hook')).status).toBe(201);
  });
});
