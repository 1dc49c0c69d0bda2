import { loadConfig } from '../src/config.ts';
import { startServer } from '../src/server.ts';

/**
 * The service as deployed (migrations, job engine and workers, HTTP) plus a bare route that
 * answers 200 with nothing behind it: the reference the webhook endpoints are measured against.
 * Run by bench/webhook-ack.ts in its own process, so the load generator does not share its CPU.
 */
const config = loadConfig(process.env);
const running = await startServer(config, {
  extend: (app) => {
    app.post('/bench/bare', (c) => c.body(null, 200));
  },
});
console.log(`READY ${running.port}`);
process.on('SIGTERM', () => void running.stop().then(() => process.exit(0)));
