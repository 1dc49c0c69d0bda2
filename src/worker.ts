import { createApp } from './app.ts';
import { runJob, runScheduled } from './worker/background.ts';
import { type JobMessage, type WorkerEnv, workerDeps } from './worker/deps.ts';

/**
 * Cloudflare Workers entry: `fetch` serves the same createApp; `scheduled` runs the Cron Triggers
 * (reminder tick, reconciliation, risk); `queue` processes webhook inboxes and syncs from the
 * JOBS queue, so receivers only store and enqueue. Migrations run from CI or the Node entry,
 * never from a Worker. Bindings are in wrangler.toml.
 */
type Ctx = { waitUntil(p: Promise<unknown>): void };
type Batch = { messages: { body: JobMessage; ack(): void; retry(o?: { delaySeconds?: number }): void }[] };

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: Ctx) {
    const deps = await workerDeps(env);
    const res = await createApp(deps).fetch(request);
    ctx.waitUntil(deps.database.close());
    return res;
  },

  async scheduled(event: { cron: string }, env: WorkerEnv, ctx: Ctx) {
    const deps = await workerDeps(env);
    const run = runScheduled(deps, event.cron)
      .then((done) => deps.logger.info('scheduled run', { cron: event.cron, ...done }))
      .finally(() => deps.database.close());
    ctx.waitUntil(run);
    await run;
  },

  async queue(batch: Batch, env: WorkerEnv) {
    const deps = await workerDeps(env);
    try {
      for (const m of batch.messages) {
        try {
          await runJob(deps, m.body);
          m.ack();
        } catch (err) {
          // Retried by the queue with a delay; the inbox's own backoff and dead-lettering still apply.
          deps.logger.warn('queued job failed', { kind: m.body.kind, error: (err as Error).name });
          m.retry({ delaySeconds: 30 });
        }
      }
    } finally {
      await deps.database.close();
    }
  },
};
