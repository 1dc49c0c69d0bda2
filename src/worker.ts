import { authFailureLimiter, createApp } from './app.ts';
import { systemClock } from './lib/clock.ts';
import { runJob, runScheduled, settleFailure } from './worker/background.ts';
import { type JobMessage, type WorkerEnv, workerDeps } from './worker/deps.ts';

/**
 * Cloudflare Workers entry: `fetch` serves the same createApp; `scheduled` runs the task
 * catalogue's Cron Triggers; `queue` runs its queued tasks (inboxes, syncs, rescoring) from the
 * JOBS queue, so receivers only store and enqueue. Migrations run from CI or the Node entry,
 * never from a Worker. Bindings are in wrangler.toml.
 */
type Ctx = { waitUntil(p: Promise<unknown>): void };
type Batch = {
  messages: { body: JobMessage; attempts: number; ack(): void; retry(o?: { delaySeconds?: number }): void }[];
};

/** Failed credential checks, kept by this isolate across the requests it serves. */
const authFailures = authFailureLimiter(systemClock);

export default {
  async fetch(request: Request, env: WorkerEnv, ctx: Ctx) {
    const deps = await workerDeps(env);
    const res = await createApp({ ...deps, authFailures }).fetch(request);
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
          // The task's own policy (src/tasks/queued.ts), as on Node: retried after its delay, or
          // given up when final or out of retries.
          const decision = settleFailure(deps, m.body, err, m.attempts);
          if (decision.retry) m.retry({ delaySeconds: decision.delaySeconds });
          else m.ack();
        }
      }
    } finally {
      await deps.database.close();
    }
  },
};
