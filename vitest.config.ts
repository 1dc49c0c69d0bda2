import { defineConfig } from 'vitest/config';

// Pure domain tests run under several time zones: nothing may depend on the server's zone.
const zones = ['UTC', 'Pacific/Auckland', 'America/Los_Angeles'];

export default defineConfig({
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 30_000,
    // postgres@3.4.9 can throw from a timer after a connection is cut (porsager/postgres #1154,
    // #1208): outside any promise, so no code of ours can catch it. Only the tests that cut
    // connections on purpose (test/integration/faults-db-*.test.ts) provoke it; the service
    // treats it as a crash (the process restarts, and the fault tests prove nothing is lost).
    // That one driver exception is not counted against the suite; every other one still is.
    onUnhandledError(error) {
      const driverRace =
        error.name === 'TypeError' && /nextWrite \(.*postgres\/src\/connection\.js/.test(error.stack ?? '');
      return !driverRace;
    },
    hookTimeout: 60_000,
    projects: [
      ...zones.map((tz) => ({
        extends: true as const,
        test: { name: `unit:${tz}`, include: ['test/unit/**/*.test.ts'], env: { TZ: tz } },
      })),
      {
        extends: true as const,
        test: { name: 'integration', include: ['test/integration/**/*.test.ts'], env: { TZ: 'Pacific/Chatham' } },
      },
      // The ledger oracle: property runs against provider fakes (ORACLE_RUNS raises the count).
      {
        extends: true as const,
        test: { name: 'oracle', include: ['test/oracle/**/*.test.ts'], env: { TZ: 'America/Los_Angeles' } },
      },
      // The Workers bundle in workerd (Miniflare) against Postgres.
      {
        extends: true as const,
        test: { name: 'worker', include: ['test/worker/**/*.test.ts'], env: { TZ: 'UTC' }, testTimeout: 60_000 },
      },
      // The dashboard in headless chromium against the real service.
      {
        extends: true as const,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], env: { TZ: 'UTC' }, testTimeout: 60_000 },
      },
      // QuickBooks dates are date-only in the company's zone: its suite also runs under these.
      ...['UTC', 'Pacific/Auckland'].map((tz) => ({
        extends: true as const,
        test: { name: `quickbooks:${tz}`, include: ['test/integration/quickbooks*.test.ts'], env: { TZ: tz } },
      })),
    ],
  },
});
