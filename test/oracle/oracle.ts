import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { type Provider, runOracle } from './harness.ts';
import { opArb } from './ops.ts';

/**
 * The ledger oracle (issue 27): random sequences of what bookkeepers do in Xero and QuickBooks,
 * with webhooks lost, duplicated and reordered, reconciliation and ticks over simulated weeks,
 * through the real SDKs against fakes that behave as the providers do. Every message sent is
 * judged against the simulator's book at its send time (test/oracle/checks.ts). ORACLE_RUNS
 * sets the number of runs per provider (500 in CI, 100 otherwise); a failure prints the shrunk
 * sequence.
 */
// 500 runs per provider in CI (about 3.5 minutes each); 100 on a developer's `npm test`.
const RUNS = Number.parseInt(process.env.ORACLE_RUNS ?? (process.env.CI ? '500' : '100'), 10);
if (!(RUNS > 0)) throw new Error(`ORACLE_RUNS must be a positive whole number, got ${process.env.ORACLE_RUNS}`);

const runArb = fc.record({
  ops: fc.array(opArb, { minLength: 4, maxLength: 28 }),
  seed: fc.nat(),
  safeMode: fc.boolean(),
});

/** The oracle for one provider (one file each, so the two run side by side). */
export function ledgerOracle(provider: Provider) {
  const server = useMsw();
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());
  describe(`ledger oracle: ${provider}`, () => {
    it(`every message sent is true to the book (${RUNS} runs)`, { timeout: 3_600_000 }, async () => {
      let messages = 0;
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(runArb, async (run) => {
          const { violations, sent } = await runOracle(database, server, provider, run);
          messages += sent;
          expect(violations).toEqual([]);
        }),
        {
          numRuns: RUNS,
          endOnFailure: false,
          // A failure prints its seed and path; these replay it exactly.
          ...(process.env.ORACLE_SEED ? { seed: Number(process.env.ORACLE_SEED) } : {}),
          ...(process.env.ORACLE_PATH ? { path: process.env.ORACLE_PATH } : {}),
        },
      );
      console.info(
        `ledger oracle ${provider}: ${RUNS} runs, ${messages} messages judged, ${Math.round((Date.now() - started) / 1000)} s`,
      );
      // A run that sends nothing proves nothing: the sequences must reach the mail server.
      if (!process.env.ORACLE_PATH) expect(messages).toBeGreaterThan(RUNS / 4);
    });
  });
}
