import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app.ts';
import { webhookEvent } from '../../src/db/schema/index.ts';
import { inboxWriter } from '../../webhooks/inbox.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { deliver, qboLegacy, webhookEnv, xeroBatch } from '../support/webhooks/deliver.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const eventsFor = (accountRef: string) =>
  database.db.select().from(webhookEvent).where(eq(webhookEvent.accountRef, accountRef));

/**
 * Admission control: a delivery the inbox could not commit within half the provider's budget
 * (Xero 4 s, Intuit 2.5 s, of their 5 s and 3 s) is refused with 503 at once, while the answer is
 * still in time, instead of timing out on the provider's side (on PGlite the deadline timer cannot
 * fire while a batch holds the event loop). Refused, nothing is stored: the provider retries.
 */
describe('webhook admission when the inbox is behind', () => {
  it('answers 503 at once past half the budget, stores nothing, logs a count, and admits again once caught up', async () => {
    const deps = await testDeps(database, { config: testConfig(webhookEnv) });
    const app = createApp(deps);
    const wait = vi.spyOn(inboxWriter(deps.database), 'expectedWaitMs');
    const xero = `busy-${randomUUID()}`;
    const realm = `busy-${randomUUID()}`;
    const bodies = {
      xero: xeroBatch([{ tenantId: xero }]),
      quickbooks: qboLegacy(realm, [{ name: 'Invoice', id: '1', operation: 'Update' }]),
    };
    try {
      // Just over half of each provider's budget: refused.
      wait.mockReturnValue(2_001);
      const x = await deliver(app, 'xero', bodies.xero);
      expect(x.status).toBe(503);
      expect((await x.json()).error).toMatchObject({ code: 'unavailable', message: expect.stringContaining('retry') });
      wait.mockReturnValue(1_251);
      expect((await deliver(app, 'quickbooks', bodies.quickbooks)).status).toBe(503);
      expect((await deliver(app, 'quickbooks', bodies.quickbooks)).status).toBe(503);
      expect(await eventsFor(xero)).toHaveLength(0);
      expect(await eventsFor(realm)).toHaveLength(0);
      // One line for the burst, not one per refusal.
      const logged = deps.logger.lines.filter((l) => l.includes('webhook deliveries refused'));
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain('"refused":1');

      // Within half the budget: admitted, stored once, as the provider's retry would be.
      wait.mockReturnValue(1_250);
      expect((await deliver(app, 'quickbooks', bodies.quickbooks)).status).toBe(200);
      wait.mockReturnValue(2_000);
      expect((await deliver(app, 'xero', bodies.xero)).status).toBe(200);
      expect(await eventsFor(xero)).toHaveLength(1);
      expect(await eventsFor(realm)).toHaveLength(1);
    } finally {
      wait.mockRestore();
    }
  });
});
