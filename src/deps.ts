import type { Config } from './config.ts';
import type { Database } from './db/client.ts';
import type { Clock } from './lib/clock.ts';
import type { Logger } from './lib/logger.ts';

/** Everything createApp and the services need; built by an entry point (node.ts, worker.ts, tests). */
export type AppDeps = {
  config: Config;
  database: Database;
  logger: Logger;
  clock: Clock;
};
