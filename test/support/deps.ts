import { toSuiteLog } from './log-scan.ts';
import { captureMailer, type Mailer } from '../../src/notify/mailer.ts';
import { createApp } from '../../src/app.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import type { AppDeps } from '../../src/deps.ts';
import { type Clock, fixedClock } from '../../src/lib/clock.ts';
import { createLogger, type Logger } from '../../src/lib/logger.ts';
import { createTokenCipher, type TokenCipher } from '../../src/lib/token-cipher.ts';
import { createIntegrations } from '../../src/services/integrations.ts';
import type { InboxKey, JobQueue } from '../../src/services/jobs.ts';
import type { TestDatabase } from './db.ts';

export const TEST_KEY = Buffer.alloc(32, 7).toString('base64');

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    ENCRYPTION_KEYS: `test:${TEST_KEY}`,
    LOG_LEVEL: 'silent',
    DEMO_LEDGER: 'false',
    // The tests' receivers (agencies, webhook endpoints) listen on this machine.
    ALLOW_LOOPBACK_RECEIVERS: 'true',
    ...overrides,
  });
}

/** Captures log lines so tests can assert what was (not) written. */
export function captureLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return Object.assign(
    createLogger('debug', (l) => {
      lines.push(l);
      toSuiteLog(l);
    }),
    { lines },
  );
}

export const recordingQueue = (): JobQueue & { synced: string[]; inbox: InboxKey[]; rescored: string[] } => {
  const synced: string[] = [];
  const inbox: InboxKey[] = [];
  const rescored: string[] = [];
  return {
    synced,
    inbox,
    rescored,
    enqueueSync: async (id) => void synced.push(id),
    enqueueInbox: async (key) => void inbox.push(key),
    enqueueRescore: async (id) => void rescored.push(id),
  };
};

let cipher: TokenCipher | undefined;
const testCipher = async () => (cipher ??= await createTokenCipher([{ id: 'test', key: new Uint8Array(32).fill(7) }]));

type Mail = Parameters<Mailer['send']>[0];
/** The embedded capture mailer, keeping what it was given so tests can read it. */
const recordingMailer = (): Mailer & { sent: Mail[] } => {
  const sent: Mail[] = [];
  const send = async (m: Mail) => {
    sent.push(m);
    return captureMailer.send(m);
  };
  return { kind: 'capture', sent, send };
};

export type TestDeps = AppDeps & {
  logger: Logger & { lines: string[] };
  jobs: ReturnType<typeof recordingQueue>;
  mailer: ReturnType<typeof recordingMailer>;
};

export async function testDeps(
  database: TestDatabase,
  opts: {
    clock?: Clock;
    config?: Config;
    limiterClock?: Parameters<typeof createIntegrations>[0]['limiterClock'];
  } = {},
): Promise<TestDeps> {
  const config = opts.config ?? testConfig();
  const clock = opts.clock ?? fixedClock('2026-11-20T10:00:00Z');
  const logger = captureLogger();
  const c = await testCipher();
  const mailer = recordingMailer();
  const integrations = createIntegrations({
    config,
    db: database.db,
    cipher: c,
    clock,
    logger,
    limiterClock: opts.limiterClock,
    random: () => 0.5,
    notices: { mailer, mailFrom: config.mailFrom, publicUrl: config.publicUrl },
  });
  return { config, database, logger, clock, cipher: c, integrations, jobs: recordingQueue(), mailer };
}

export const testApp = async (database: TestDatabase, opts: Parameters<typeof testDeps>[1] = {}) =>
  createApp(await testDeps(database, opts));
