import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { child } from '../../bench/lib.ts';
import { connection } from '../../src/db/schema/index.ts';
import { createTokenCipher } from '../../src/lib/token-cipher.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/db.ts';
import { expireAccessToken, makeFirm, makeLedger } from '../support/factories.ts';
import { useMsw } from '../support/msw.ts';
import { connectXero } from '../support/xero/connected.ts';
import { XeroFake } from '../support/xero/fake.ts';

/**
 * Reliability checklist #17: 50 calls at once across four processes, all holding a connection
 * whose access token has expired, cause exactly one call to Xero's token endpoint; all 50
 * succeed, and the refresh token stored is the last one Xero issued (a single-use token spent
 * twice would lose the grant). On Postgres the four are OS processes, each with its own pool,
 * against the Xero fake served over HTTP; the embedded database serves one process, so there the
 * four are independent token stores in this one.
 */
const server = onPostgres() ? undefined : useMsw();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const SPLIT = [13, 13, 12, 12];
const cipherP = createTokenCipher([{ id: 'test', key: new Uint8Array(32).fill(7) }]);

async function storedRefreshToken(connectionId: string) {
  const [row] = await database.db.select().from(connection).where(eq(connection.id, connectionId));
  return (await cipherP).decrypt(row!.refreshToken!, connectionId);
}

async function fourOsProcesses() {
  const fake = child(here('../../bench/backfill/fake-server.ts'), ['xero', '1', '0'], {});
  try {
    const port = await fake.line('READY ');
    const fakeUrl = `http://127.0.0.1:${port}`;
    const setup = (await (await fetch(`${fakeUrl}/__bench/setup`)).json()) as {
      grant: { access: string; refresh: string };
      tenantId: string;
      invoiceId: string;
      clientId: string;
      clientSecret: string;
    };
    const cipher = await cipherP;
    const firm = await makeFirm(database.db);
    const connectionId = randomUUID();
    await database.db.insert(connection).values({
      id: connectionId,
      firmId: firm.id,
      provider: 'xero',
      accessToken: await cipher.encrypt(setup.grant.access, connectionId),
      refreshToken: await cipher.encrypt(setup.grant.refresh, connectionId),
      keyId: cipher.primaryKeyId,
      accessExpiresAt: new Date(Date.now() - 60_000),
    });
    const l = await makeLedger(database.db, firm.id, { provider: 'xero', externalId: setup.tenantId, connectionId });
    // Each process starts its calls at the same moment, once all have started up.
    const startAt = Date.now() + 10_000;
    const procs = SPLIT.map((calls) =>
      child(here('../support/refresh-race-process.ts'), [], {
        DATABASE_URL: database.kind === 'postgres' ? database.url : '',
        RACE_FAKE_URL: fakeUrl,
        RACE_CLIENT_ID: setup.clientId,
        RACE_CLIENT_SECRET: setup.clientSecret,
        RACE_LEDGER_ID: l.id,
        RACE_INVOICE_ID: setup.invoiceId,
        RACE_CALLS: String(calls),
        RACE_START_AT: String(startAt),
      }),
    );
    await Promise.all(procs.map((p) => p.line('READY')));
    expect(Date.now(), 'the four processes were not all ready before the start').toBeLessThan(startAt);
    const results = await Promise.all(
      procs.map(async (p) => JSON.parse(await p.line('RESULT ')) as { ok: number; errors: string[] }),
    );
    const tokens = (await (await fetch(`${fakeUrl}/__bench/tokens`)).json()) as {
      refreshCalls: number;
      lastRefreshToken: string;
    };
    return {
      ok: results.reduce((n, r) => n + r.ok, 0),
      errors: results.flatMap((r) => r.errors),
      refreshCalls: tokens.refreshCalls,
      storedIsLast: (await storedRefreshToken(connectionId)) === tokens.lastRefreshToken,
    };
  } finally {
    fake.proc.kill();
  }
}

async function fourTokenStores() {
  const fake = new XeroFake();
  server!.use(...fake.handlers());
  const c = await connectXero(database, fake);
  fake.seedInvoices(c.tenant, 1);
  const id = String(c.tenant.Invoices[0]!.InvoiceID);
  await expireAccessToken(database.db, c.connection.id);
  const stores = [c.deps.integrations, c.otherProcess(), c.otherProcess(), c.otherProcess()];
  const before = fake.tokenCalls.refresh_token;
  const results = await Promise.allSettled(
    SPLIT.flatMap((calls, i) =>
      Array.from({ length: calls }, () =>
        stores[i]!.port('xero').connector(c.connection.id, c.ledger).fetchOne(c.tenant.tenantId, 'invoices', id),
      ),
    ),
  );
  return {
    ok: results.filter((r) => r.status === 'fulfilled' && r.value?.externalId === id).length,
    errors: results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : [])),
    refreshCalls: fake.tokenCalls.refresh_token - before,
    storedIsLast: (await storedRefreshToken(c.connection.id)) === fake.lastRefreshToken,
  };
}

describe('the refresh race across four processes (reliability #17)', () => {
  it('50 calls with an expired token: one refresh, every call succeeds, the last token issued is stored', async () => {
    const outcome = database.kind === 'postgres' ? await fourOsProcesses() : await fourTokenStores();
    expect(outcome).toEqual({ ok: 50, errors: [], refreshCalls: 1, storedIsLast: true });
  }, 120_000);
});
