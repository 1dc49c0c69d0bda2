import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AccountingConnector } from '../../connectors/types.ts';
import { queryRows } from '../../src/db/client.ts';
import { ledger } from '../../src/db/schema/index.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { drainInbox, YIELD_MAX_MS, YIELD_STEP_MS } from '../../src/services/inbox.ts';
import { parseXeroDelivery } from '../../connectors/xero/webhook.ts';
import { storeDelivery } from '../../webhooks/inbox.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';
import { xeroBatch } from '../support/webhooks/deliver.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** Stores one signed-and-parsed Xero delivery naming `resourceIds` for the tenant, received at `at`. */
async function storeXero(tenantId: string, resourceIds: string[], at: Date) {
  const bytes = new TextEncoder().encode(xeroBatch(resourceIds.map((resourceId) => ({ tenantId, resourceId }))));
  const parsed = parseXeroDelivery(bytes);
  if (parsed.kind !== 'events') throw new Error(parsed.reason);
  await storeDelivery(database, { provider: 'xero', body: bytes, headers: {}, events: parsed.events, now: at });
}

/**
 * A backlog of `n` events for one Xero tenant, received while its ledger was connected; the ledger
 * is disconnected since, so processing settles them without fetching anything.
 */
async function backlog(n: number) {
  const tenantId = randomUUID();
  const l = await makeLedger(database.db, (await makeFirm(database.db)).id, { provider: 'xero', externalId: tenantId });
  await storeXero(
    tenantId,
    Array.from({ length: n }, (_, i) => `inv-${i}`),
    new Date(),
  );
  await database.db.update(ledger).set({ status: 'disconnected' }).where(eq(ledger.id, l.id));
  const pending = async () =>
    (
      await queryRows<{ n: number }>(
        database.db,
        sql`select count(*)::int as n from webhook_event where account_ref = ${tenantId} and status in ('received', 'failed')`,
      )
    )[0]!.n;
  return { key: { provider: 'xero' as const, accountRef: tenantId }, pending };
}

const deps = () => ({
  db: database.db,
  clock: systemClock,
  logger: silentLogger,
  resolve: async () => {
    throw new Error('no ledger is connected: nothing may be fetched');
  },
  onChange: async () => {},
});

it('drains a backlog of several batches in one run, not one batch per queued job', async () => {
  const b = await backlog(450);
  expect(await drainInbox(deps(), b.key, { limit: 200 })).toEqual({
    processed: 0,
    failed: 0,
    dead: 0,
    ignored: 450,
    more: false,
  });
  expect(await b.pending()).toBe(0);
});

it('stops at its time budget after a batch and says more is due', async () => {
  const b = await backlog(450);
  expect(await drainInbox(deps(), b.key, { limit: 200, budgetMs: 0 })).toEqual({
    processed: 0,
    failed: 0,
    dead: 0,
    ignored: 200,
    more: true,
  });
  expect(await b.pending()).toBe(250);
});

it('reads each batch on from the last, then once more from the start: a delivery committed late with an earlier receipt time is processed in the same run', async () => {
  const tenantId = randomUUID();
  await makeLedger(database.db, (await makeFirm(database.db)).id, { provider: 'xero', externalId: tenantId });
  const t0 = Date.now() - 60_000;
  // One delivery each, a second apart: arrival order is a1..a5.
  for (const [i, id] of ['a1', 'a2', 'a3', 'a4', 'a5'].entries())
    await storeXero(tenantId, [id], new Date(t0 + 1_000 * (i + 1)));

  const fetched: string[] = [];
  const gone: AccountingConnector = {
    provider: 'xero',
    listLedgers: async () => [],
    page: async () => ({ records: [], next: null }) as never,
    fetchOne: async (_tenant, _resource, id) => {
      fetched.push(id);
      return null;
    },
    onlineInvoiceUrl: async () => null,
    addInvoiceNote: async () => {},
  };
  let straggled = false;
  const run = await drainInbox(
    {
      ...deps(),
      resolve: async () => gone,
      // While the first batch is processed, a delivery received before all of them commits.
      onChange: async () => {
        if (straggled) return;
        straggled = true;
        await storeXero(tenantId, ['late'], new Date(t0));
      },
    },
    { provider: 'xero', accountRef: tenantId },
    { limit: 2 },
  );
  expect(run).toEqual({ processed: 6, failed: 0, dead: 0, ignored: 0, more: false });
  // Read on from the cursor, the first batches do not see it; the read from the start does.
  expect(fetched).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'late']);
});

it('lets receipt go first between batches while it is saturated, then carries on', async () => {
  const b = await backlog(450);
  const answers = [true, true, true, false];
  let asked = 0;
  const run = await drainInbox(deps(), b.key, { limit: 200, receiptSaturated: () => answers[asked++] ?? false });
  expect(run).toEqual({ processed: 0, failed: 0, dead: 0, ignored: 450, more: false });
  // After the first batch: saturated three times, then clear. After the second: clear at once.
  // None after the last: the drain is done.
  expect(asked).toBe(5);
});

it('still moves under constant saturation: each batch waits a bounded time', async () => {
  const b = await backlog(450);
  let asked = 0;
  const run = await drainInbox(deps(), b.key, {
    limit: 200,
    receiptSaturated: () => {
      asked++;
      return true;
    },
  });
  expect(run).toEqual({ processed: 0, failed: 0, dead: 0, ignored: 450, more: false });
  expect(await b.pending()).toBe(0);
  // Two waits, each given up after YIELD_MAX_MS.
  expect(asked).toBe(2 * (YIELD_MAX_MS / YIELD_STEP_MS));
});
