import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { queryRows } from '../../src/db/client.ts';
import { webhookDelivery, webhookEvent } from '../../src/db/schema/index.ts';
import { startScheduledTasks } from '../../src/jobs/schedule.ts';
import { taskDepsOf } from '../../src/tasks/deps.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { pruneInbox } from '../../src/services/inbox-retention.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';
import { deliver, qboCloudEvents, webhookEnv, xeroBatch } from '../support/webhooks/deliver.ts';
import { waitUntil } from '../support/wait.ts';

const DAY = 86_400_000;
let database: TestDatabase;
// A fresh database per test: each one counts every row the inbox holds.
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function receiver(at: string) {
  const clock = fixedClock(at);
  const deps = await testDeps(database, { clock, config: testConfig(webhookEnv) });
  const f = await makeFirm(database.db);
  const tenantId = randomUUID();
  await makeLedger(database.db, f.id, { provider: 'xero', externalId: tenantId });
  return { clock, deps, app: createApp(deps), tenantId };
}

/** Every event and stored delivery, as `entity_id:status` and `delivery:status:events`. */
async function inbox() {
  const events = await database.db
    .select({ entityId: webhookEvent.entityId, status: webhookEvent.status })
    .from(webhookEvent);
  const deliveries = await queryRows<{ status: string; n: number }>(
    database.db,
    sql`select d.status::text as status, (select count(*)::int from webhook_event e where e.delivery_id = d.id) as n from webhook_delivery d`,
  );
  return [
    ...events.map((e) => `${e.entityId}:${e.status}`),
    ...deliveries.map((d) => `delivery:${d.status}:${d.n}`),
  ].sort();
}

const settle = (entityIds: string[], status: 'processed' | 'failed' | 'dead' | 'processing') =>
  database.db.update(webhookEvent).set({ status }).where(inArray(webhookEvent.entityId, entityIds));

describe('webhook inbox retention', () => {
  it('deletes settled events and spent deliveries past the retention period, and keeps everything still owed work', async () => {
    const { clock, app, tenantId } = await receiver('2026-06-01T09:00:00Z');
    const one = (resourceId: string) => deliver(app, 'xero', xeroBatch([{ tenantId, resourceId }]));
    // Day 0: one-event deliveries in every state, a shared body whose events settle differently,
    // a shared body for an account nobody connected (ignored on receipt), and a quarantined body.
    for (const id of ['old-processed', 'old-received', 'old-processing', 'old-failed', 'old-dead'])
      expect((await one(id)).status).toBe(200);
    expect(
      (
        await deliver(
          app,
          'xero',
          xeroBatch([
            { tenantId, resourceId: 'pair-a' },
            { tenantId, resourceId: 'pair-b' },
          ]),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await deliver(
          app,
          'xero',
          xeroBatch([
            { tenantId: randomUUID(), resourceId: 'stranger-a' },
            { tenantId: randomUUID(), resourceId: 'stranger-b' },
          ]),
        )
      ).status,
    ).toBe(200);
    expect((await deliver(app, 'quickbooks', '{"not": "cloudevents"}')).status).toBe(200);
    await settle(['old-processed', 'pair-a'], 'processed');
    await settle(['old-processing'], 'processing');
    await settle(['old-failed'], 'failed');
    await settle(['old-dead', 'pair-b'], 'dead');
    // Day 80: more of the same, inside the period.
    clock.advance(80 * DAY);
    expect((await one('new-processed')).status).toBe(200);
    expect((await deliver(app, 'quickbooks', '[{"specversion": 1}]')).status).toBe(200);
    await settle(['new-processed'], 'processed');

    const before = await inbox();
    // Day 90 less a minute: nothing has been kept 90 days yet.
    clock.advance(10 * DAY - 60_000);
    expect(await pruneInbox(database.db, clock, { retentionDays: 90 })).toEqual({
      events: 0,
      deliveries: 0,
      more: false,
    });
    expect(await inbox()).toEqual(before);

    // Day 90: batches of two, so every statement runs more than once.
    clock.advance(120_000);
    expect(await pruneInbox(database.db, clock, { retentionDays: 90, batchSize: 2 })).toEqual({
      events: 4,
      deliveries: 2,
      more: false,
    });
    expect(await inbox()).toEqual(
      [
        'old-received:received',
        'old-processing:processing',
        'old-failed:failed',
        'old-dead:dead',
        // The pair's body stays while one of its events is a dead letter.
        'pair-b:dead',
        'delivery:received:1',
        'new-processed:processed',
        'delivery:quarantined:0',
      ].sort(),
    );

    // The dead letter is requeued and processed: its body goes on the next purge.
    await settle(['pair-b'], 'processed');
    expect(await pruneInbox(database.db, clock, { retentionDays: 90 })).toEqual({
      events: 1,
      deliveries: 1,
      more: false,
    });
    expect(await inbox()).not.toContain('delivery:received:1');
  });

  it('keeps a processed event 30 days at the minimum retention, so a redelivery on day 29 adds no row and no job (reliability #9)', async () => {
    const { clock, deps, app, tenantId } = await receiver('2026-06-01T09:00:00Z');
    const body = xeroBatch([{ tenantId, resourceId: 'inv-1' }]);
    expect((await deliver(app, 'xero', body)).status).toBe(200);
    await settle(['inv-1'], 'processed');
    clock.advance(29 * DAY);
    expect((await pruneInbox(database.db, clock, { retentionDays: 30 })).events).toBe(0);
    expect((await deliver(app, 'xero', body)).status).toBe(200);
    expect(await inbox()).toEqual(['inv-1:processed']);
    expect(deps.jobs.inbox).toHaveLength(1);

    // Past the period the row is gone, and the same bytes are a new event again: processing
    // re-fetches the invoice, so a late redelivery can only bring the mirror up to date.
    clock.advance(2 * DAY);
    expect((await pruneInbox(database.db, clock, { retentionDays: 30 })).events).toBe(1);
    expect((await deliver(app, 'xero', body)).status).toBe(200);
    expect(await inbox()).toEqual(['inv-1:received']);
    expect(deps.jobs.inbox).toHaveLength(2);
  });

  it('refuses a retention shorter than the dedupe window, and stops at its time budget', async () => {
    const { clock, app, tenantId } = await receiver('2026-06-01T09:00:00Z');
    await expect(pruneInbox(database.db, clock, { retentionDays: 29 })).rejects.toThrow(/at least 30 days/);
    expect((await deliver(app, 'xero', xeroBatch([{ tenantId, resourceId: 'inv-1' }]))).status).toBe(200);
    await settle(['inv-1'], 'processed');
    clock.advance(100 * DAY);
    expect(await pruneInbox(database.db, clock, { retentionDays: 90, budgetMs: -1 })).toEqual({
      events: 0,
      deliveries: 0,
      more: true,
    });
    expect(await inbox()).toEqual(['inv-1:processed']);
  });

  it('purges on the service schedule, at start-up first', async () => {
    const { clock, deps, app, tenantId } = await receiver('2026-06-01T09:00:00Z');
    expect((await deliver(app, 'xero', xeroBatch([{ tenantId, resourceId: 'inv-1' }]))).status).toBe(200);
    expect(
      (await deliver(app, 'quickbooks', qboCloudEvents(randomUUID(), [{ entity: 'invoice', id: '7', op: 'updated' }])))
        .status,
    ).toBe(200);
    await settle(['inv-1'], 'processed');
    clock.advance(45 * DAY);
    const stop = startScheduledTasks(taskDepsOf(deps, { config: { ...deps.config, webhookRetentionDays: 30 } }), [
      'inboxRetention',
    ]);
    // The purge logs once both of its statements are done; the events are gone after the first.
    const purged = () => deps.logger.lines.some((l) => l.includes('webhook inbox purged'));
    try {
      await waitUntil(purged, { what: 'the scheduled purge' });
    } finally {
      await stop();
    }
    expect(await inbox()).toEqual([]);
    expect(await database.db.select().from(webhookDelivery).where(eq(webhookDelivery.status, 'received'))).toEqual([]);
  });
});
