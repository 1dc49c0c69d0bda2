import { ConfigError, loadConfig } from './config.ts';
import { createLogger } from './lib/logger.ts';
import { startServer } from './server.ts';

/** Node entry: configuration from the environment, then the service; SIGTERM stops it cleanly. */
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
const logger = createLogger(config.logLevel);
process.on('unhandledRejection', (reason) => {
  logger.error('unhandled rejection', { message: reason instanceof Error ? reason.message : String(reason) });
});

const running = await startServer(config, { logger }).catch((err: unknown) => {
  // A port in use (or any other bad setting found while starting): one line, not a stack.
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  throw err;
});
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    logger.info('shutting down', { signal });
    running.stop().then(
      () => process.exit(0),
      (err: Error) => {
        logger.error('shutdown failed', { message: err.message });
        process.exit(1);
      },
    );
  });
}
