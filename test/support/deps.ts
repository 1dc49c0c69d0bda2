import { createApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { AppDeps } from '../../src/deps.ts';
import { type Clock, fixedClock } from '../../src/lib/clock.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import type { TestDatabase } from './db.ts';

export const TEST_KEY = Buffer.alloc(32, 7).toString('base64');

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({ NODE_ENV: 'test', ENCRYPTION_KEYS: `test:${TEST_KEY}`, LOG_LEVEL: 'silent', ...overrides });
}

/** Captures log lines so tests can assert what was (not) written. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(createLogger('debug', (l) => lines.push(l)), { lines });
}

export function testDeps(database: TestDatabase, opts: { clock?: Clock; config?: Config } = {}): AppDeps {
  return {
    config: opts.config ?? testConfig(),
    database,
    logger: captureLogger(),
    clock: opts.clock ?? fixedClock('2026-11-20T10:00:00Z'),
  };
}

export const testApp = (database: TestDatabase, opts: Parameters<typeof testDeps>[1] = {}) =>
  createApp(testDeps(database, opts));
