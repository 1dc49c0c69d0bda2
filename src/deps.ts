import type { Config } from './config.ts';
import type { FailureLimiter } from './lib/failure-limiter.ts';
import type { Database } from './db/client.ts';
import type { Clock } from './lib/clock.ts';
import type { Logger } from './lib/logger.ts';
import type { TokenCipher } from './lib/token-cipher.ts';
import type { Mailer } from './notify/mailer.ts';
import type { Integrations } from './services/integrations.ts';
import type { JobQueue } from './services/jobs.ts';

/** Everything createApp and the services need; built by an entry point (node.ts, worker.ts, tests). */
export type AppDeps = {
  config: Config;
  database: Database;
  logger: Logger;
  clock: Clock;
  cipher: TokenCipher;
  integrations: Integrations;
  jobs: JobQueue;
  /** Mail for people (invitations); reminders use the same transport. */
  mailer: Mailer;
  /**
   * HTTP to the receivers users name (outbound webhooks, agencies): on Node the guarded transport
   * that refuses addresses inside the network; absent, the runtime's own fetch (Workers).
   */
  fetch?: typeof fetch;
  /**
   * Failed credential checks per client address; one per process (createApp makes one when
   * absent). Workers keep one per isolate across requests.
   */
  authFailures?: FailureLimiter;
};
