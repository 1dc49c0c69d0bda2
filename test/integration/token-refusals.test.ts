import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountingConnector } from '../../connectors/types.ts';
import { connection, ledger } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { expireAccessToken } from '../support/factories.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { QuickBooksFake } from '../support/quickbooks/fake.ts';
import { connectXero } from '../support/xero/connected.ts';
import { XeroFake } from '../support/xero/fake.ts';

const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

/**
 * What a token endpoint's refusal does to a customer's connection. Only `invalid_grant` means the
 * grant is gone (tested in xero-sync and quickbooks tests); everything else below used to mark the
 * connection and its ledgers `needs_reconnect` for good, on both providers.
 */
const REFUSALS = [
  { answer: '429, throttled', status: 429, error: undefined, code: 'rate_limited', retryable: true },
  { answer: '408, timed out', status: 408, error: undefined, code: 'timeout', retryable: true },
  { answer: '503, down', status: 503, error: undefined, code: 'provider_unavailable', retryable: true },
  {
    answer: '400 invalid_request',
    status: 400,
    error: 'invalid_request',
    code: 'provider_unavailable',
    retryable: true,
  },
  {
    answer: '401 invalid_client (client secret rotated)',
    status: 401,
    error: 'invalid_client',
    code: 'misconfigured',
    retryable: false,
  },
  {
    answer: '400 unauthorized_client',
    status: 400,
    error: 'unauthorized_client',
    code: 'misconfigured',
    retryable: false,
  },
  { answer: '401 with no body', status: 401, error: undefined, code: 'misconfigured', retryable: false },
] as const;

type World = {
  /** Expires the stored access token, so the next call refreshes. */
  expire(): Promise<void>;
  refuse(status: number, error: string | undefined): void;
  call(): Promise<unknown>;
  /** GET a path as the firm's signed-in owner. */
  get(path: string): Promise<Response>;
  connectionId: string;
  ledgerId: string;
  logLines: string[];
};

async function xeroWorld(): Promise<World> {
  const fake = new XeroFake();
  server.use(...fake.handlers());
  const c = await connectXero(database, fake);
  fake.seedInvoices(c.tenant, 1);
  const id = String(c.tenant.Invoices[0]!.InvoiceID);
  const connector = (await c.deps.integrations.resolve(c.ledger)) as AccountingConnector;
  return {
    expire: () => expireAccessToken(database.db, c.connection.id),
    refuse: (status, error) => fake.fail(/^\/connect\/token$/, status, { body: error ? { error } : '' }),
    call: () => connector.fetchOne(c.tenant.tenantId, 'invoices', id),
    get: async (path) => c.app.request(path, { headers: { cookie: c.user.cookie } }),
    connectionId: c.connection.id,
    ledgerId: c.ledger.id,
    logLines: c.deps.logger.lines,
  };
}

async function quickBooksWorld(): Promise<World> {
  const q = await quickBooksSetup(database, server, undefined, {}, new QuickBooksFake());
  await q.connect();
  q.fake.seedInvoices(q.realmId, 1);
  const l = await q.ledgerRow();
  const connector = await q.deps.integrations.resolve(l);
  return {
    expire: () => expireAccessToken(database.db, l.connectionId!),
    refuse: (status, error) =>
      q.fake.fail(/^\/oauth2\/v1\/tokens\/bearer$/, status, { body: error ? JSON.stringify({ error }) : '' }),
    call: () => connector.fetchOne(q.realmId, 'invoices', '1'),
    get: async (path) => q.app.request(path, { headers: { cookie: q.user.cookie } }),
    connectionId: l.connectionId!,
    ledgerId: l.id,
    logLines: q.deps.logger.lines,
  };
}

const states = async (w: World) => {
  const [conn] = await database.db.select().from(connection).where(eq(connection.id, w.connectionId));
  const [l] = await database.db.select().from(ledger).where(eq(ledger.id, w.ledgerId));
  return { connection: conn!.status, ledger: l!.status, lastError: conn!.lastError };
};

describe.each([
  ['Xero', xeroWorld],
  ['QuickBooks', quickBooksWorld],
] as const)('%s token endpoint refusals other than invalid_grant', (_provider, world) => {
  it.each(REFUSALS)('$answer: $code, the customer stays connected and the next refresh works', async (r) => {
    const w = await world();
    await w.expire();
    w.refuse(r.status, r.error);
    const err = await w.call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toMatchObject({ code: r.code, retryable: r.retryable });
    const after = await states(w);
    expect(after).toMatchObject({ connection: 'active', ledger: 'active' });
    if (r.code === 'misconfigured') {
      // The operator is told, at error, and the connection shows why calls fail.
      expect(after.lastError).toContain('misconfigured');
      expect(
        w.logLines.some((l) => l.includes('"level":"error"') && l.includes('check the provider credentials')),
      ).toBe(true);
      // /readyz names the provider for the operator, without taking the service out of rotation.
      const ready = await w.get('/readyz');
      expect(ready.status).toBe(200);
      expect((await ready.json()).providers).toEqual([
        expect.objectContaining({
          provider: expect.any(String),
          connections: 1,
          problem: expect.stringContaining('credentials'),
        }),
      ]);
      // The firm sees why syncing waits, and that it is not theirs to fix.
      const [shown] = (await (await w.get('/api/v1/ledgers')).json()).ledgers;
      expect(shown.providerNotice).toContain('nothing to do on your side');
    }
    // The refusal was used up: the same grant refreshes and the call goes through.
    expect(await w.call()).not.toBeNull();
    expect(await states(w)).toMatchObject({ connection: 'active', ledger: 'active', lastError: null });
    expect((await (await w.get('/readyz')).json()).providers).toEqual([]);
    expect((await (await w.get('/api/v1/ledgers')).json()).ledgers[0].providerNotice).toBeNull();
  });
});
