import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import type { AccountingConnector } from '../../connectors/types.ts';
import { enqueueTask, startBoss, workQueuedTasks } from '../../src/jobs/boss.ts';
import { QUEUED_TASKS } from '../../src/tasks/queued.ts';
import { sweepInbox } from '../../src/services/background.ts';
import type { TaskDeps } from '../../src/tasks/deps.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { storeDelivery } from '../../webhooks/inbox.ts';
import { parseXeroDelivery } from '../../connectors/xero/webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';
import { xeroBatch } from '../support/webhooks/deliver.ts';
import { waitUntil } from '../support/wait.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('job engine', () => {
  it('runs jobs and, on graceful stop, lets an in-flight job finish', async () => {
    const boss = await startBoss(database, silentLogger);
    await boss.createQueue('slow-test');
    let started = false;
    let finished = false;
    await boss.work('slow-test', { pollingIntervalSeconds: 0.5 }, async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 1500));
      finished = true;
    });
    const id = await boss.send('slow-test', { n: 1 });
    await waitUntil(() => started);
    await boss.stop({ graceful: true, timeout: 10_000, close: false });
    expect(finished).toBe(true);
    const [row] = await queryRows<{ state: string }>(database.db, sql`select state from pgboss.job where id = ${id}`);
    expect(row?.state).toBe('completed');
  });

  it('keeps queued work across a restart of the engine', async () => {
    const first = await startBoss(database, silentLogger);
    await first.createQueue('later-test');
    const id = await first.send('later-test', { keep: true });
    await first.stop({ graceful: true, timeout: 2000, close: false });

    const second = await startBoss(database, silentLogger);
    let seen: unknown;
    await second.work('later-test', { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      seen = job!.data;
    });
    await waitUntil(() => seen !== undefined);
    expect(seen).toEqual({ keep: true });
    await second.stop({ graceful: true, timeout: 5000, close: false });
    const [row] = await queryRows<{ state: string }>(database.db, sql`select state from pgboss.job where id = ${id}`);
    expect(row?.state).toBe('completed');
  });
});

describe('webhook inbox jobs', () => {
  it('keeps one queued job per account, and the sweep queues events whose job was never sent', async () => {
    const firm = await makeFirm(database.db);
    const tenantId = crypto.randomUUID();
    const l = await makeLedger(database.db, firm.id, { provider: 'xero', externalId: tenantId, settings: {} });
    const fetched: string[] = [];
    const connector = {
      provider: 'xero',
      fetchOne: async (_t: string, resource: string, id: string) => {
        // The invoice's customer is fetched too (the mirror has not seen it): not in this ledger.
        if (resource !== 'invoices') return null;
        fetched.push(id);
        return {
          externalId: id,
          contactExternalId: 'c',
          status: 'paid',
          currency: 'NZD',
          issueDate: '2026-11-01',
          total: '10',
          amountDue: '0',
          amountPaid: '10',
          amountCredited: '0',
          sentToContact: true,
          updatedAt: new Date(),
        };
      },
    } as unknown as AccountingConnector;
    const boss = await startBoss(database, silentLogger);
    const key = { provider: 'xero' as const, accountRef: tenantId };
    // Stately: a second send while one job waits adds nothing.
    expect(await enqueueTask(boss, 'inbox', key)).toBeTruthy();
    expect(await enqueueTask(boss, 'inbox', key)).toBeNull();
    const [queued] = await queryRows<{ n: number }>(
      database.db,
      sql`select count(*)::int as n from pgboss.job where name = ${QUEUED_TASKS.inbox.queue} and singleton_key = ${`xero:${tenantId}`}`,
    );
    expect(queued!.n).toBe(1);

    // A delivery stored by a process that died before queueing its job.
    const body = xeroBatch([{ tenantId, resourceId: 'inv-9' }]);
    const bytes = new TextEncoder().encode(body);
    const parsed = parseXeroDelivery(bytes);
    if (parsed.kind !== 'events') throw new Error(parsed.reason);
    await storeDelivery(database, {
      provider: 'xero',
      body: bytes,
      headers: {},
      events: parsed.events,
      now: new Date(),
    });
    const jobs = {
      enqueueSync: async () => {},
      enqueueInbox: async (k: typeof key) => void (await enqueueTask(boss, 'inbox', k)),
      enqueueRescore: async () => {},
    };
    await workQueuedTasks(boss, {
      db: database.db,
      clock: systemClock,
      logger: silentLogger,
      resolve: async () => connector,
      onChange: async () => {},
      jobs,
    } as unknown as TaskDeps);
    await waitUntil(() => fetched.length === 1);
    // Fetched is not yet recorded: wait until the job has marked the event done before sweeping.
    const pending = async () =>
      (
        await queryRows<{ n: number }>(
          database.db,
          sql`select count(*)::int as n from webhook_event where status in ('received', 'failed')`,
        )
      )[0]!.n;
    await waitUntil(async () => (await pending()) === 0, { what: 'the job to settle its event' });
    expect(await sweepInbox(database.db, systemClock, jobs)).toBe(0);
    await storeDelivery(database, {
      provider: 'xero',
      body: new TextEncoder().encode(`${body} `),
      headers: {},
      events: parsed.events.map((e) => ({ ...e, dedupeKey: `${e.dedupeKey}:2`, entityId: 'inv-10' })),
      now: new Date(),
    });
    expect(await sweepInbox(database.db, systemClock, jobs)).toBe(1);
    await waitUntil(() => fetched.length === 2);
    expect(fetched).toEqual(['inv-9', 'inv-10']);
    await boss.stop({ graceful: true, timeout: 5000, close: false });
    void l;
  });
});
