import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import type { AppDeps } from '../deps.ts';
import { PreconditionError } from '../errors.ts';
import { systemClock } from '../lib/clock.ts';
import { createLogger } from '../lib/logger.ts';
import { createTokenCipher } from '../lib/token-cipher.ts';
import { mailerFor } from '../notify/mailer.ts';
import { createIntegrations } from '../services/integrations.ts';
import type { InboxKey } from '../services/jobs.ts';

/** Work handed to the Queue consumer: a webhook account's inbox, a ledger's sync or its rescoring. */
export type JobMessage =
  | { kind: 'inbox'; key: InboxKey }
  | { kind: 'sync'; ledgerId: string }
  | { kind: 'rescore'; ledgerId: string };

/** The bindings wrangler.toml declares, plus vars and secrets (strings). */
export type WorkerEnv = Record<string, unknown> & {
  HYPERDRIVE: { connectionString: string };
  JOBS?: { send(body: JobMessage): Promise<unknown> };
};

/**
 * Dependencies for one Worker invocation: configuration from vars and secrets, Postgres through
 * Hyperdrive (it pools connections, so an invocation keeps a handful at most), and a job queue
 * that is the Cloudflare Queue bound as JOBS.
 */
export async function workerDeps(env: WorkerEnv): Promise<AppDeps> {
  const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<
    string,
    string
  >;
  const config = loadConfig({ ...vars, DATABASE_URL: env.HYPERDRIVE.connectionString, DEMO_LEDGER: 'false' });
  if (!config.encryptionKeys) throw new PreconditionError('ENCRYPTION_KEYS must be set as a Worker secret');
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: ':memory:', maxConnections: 3 });
  const cipher = await createTokenCipher(config.encryptionKeys);
  const logger = createLogger(config.logLevel, (l) => console.log(l));
  const clock = systemClock;
  const mailer = mailerFor(config.smtp);
  const integrations = createIntegrations({
    config,
    db: database.db,
    cipher,
    clock,
    logger,
    notices: { mailer, mailFrom: config.mailFrom, publicUrl: config.publicUrl },
    // Isolates share nothing but the database: the budget lives there.
    sharedLimits: true,
  });
  const queue = () => {
    if (!env.JOBS) throw new PreconditionError('the JOBS queue binding is missing (see wrangler.toml)');
    return env.JOBS;
  };
  const jobs = {
    enqueueSync: async (ledgerId: string) => void (await queue().send({ kind: 'sync', ledgerId })),
    enqueueInbox: async (key: InboxKey) => void (await queue().send({ kind: 'inbox', key })),
    enqueueRescore: async (ledgerId: string) => void (await queue().send({ kind: 'rescore', ledgerId })),
  };
  return { config, database, logger, clock, cipher, integrations, jobs, mailer };
}
