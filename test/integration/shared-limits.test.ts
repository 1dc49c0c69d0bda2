import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { realSleep } from '../../connectors/shared/backoff.ts';
import { providerLease } from '../../src/db/schema/index.ts';
import { createIntegrations } from '../../src/services/integrations.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { connectXero } from '../support/xero/connected.ts';
import { XeroFake } from '../support/xero/fake.ts';
import { XeroLimits } from '../support/xero/limits.ts';

/**
 * Rate limits were counted per process (issue 28, "Daily limits" bullet): two processes calling
 * one Xero organisation could have 10 calls in flight where Xero allows 5, and Xero refused the
 * rest. With the budget in the database, processes together stay inside it. (Two sets of
 * integrations over one database stand for two processes; on PGlite they are in one process,
 * which the embedded database allows, and the budget is the same tables either way.)
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

describe('limits shared by the processes calling one Xero organisation', () => {
  for (const shared of [false, true])
    it(`${shared ? 'keep' : 'without the shared budget, do not keep'} two processes within 5 calls in flight`, async () => {
      const fake = new XeroFake();
      server.use(...fake.handlers());
      const c = await connectXero(database, fake);
      fake.seedInvoices(c.tenant, 1);
      fake.limits = new XeroLimits();
      fake.latencyMs = 150;
      const process = () =>
        createIntegrations({
          config: c.deps.config,
          db: database.db,
          cipher: c.deps.cipher,
          clock: c.deps.clock,
          logger: c.deps.logger,
          limiterClock: { now: () => Date.now(), sleep: realSleep },
          random: () => 0.5,
          sharedLimits: shared,
        });
      const id = String(c.tenant.Invoices[0]!.InvoiceID);
      const calls = await Promise.all(
        [process(), process()].flatMap((p) =>
          Array.from({ length: 7 }, async () =>
            (await p.resolve(c.ledger)).fetchOne(c.tenant.tenantId, 'invoices', id),
          ),
        ),
      );
      expect(calls.every((i) => i?.externalId === id)).toBe(true);
      if (shared) {
        expect(fake.limits.refused).toEqual({ concurrent: 0, minute: 0, day: 0 });
        expect(await database.db.select().from(providerLease)).toHaveLength(0);
      } else {
        expect(fake.limits.refused.concurrent).toBeGreaterThan(0);
      }
    });
});
