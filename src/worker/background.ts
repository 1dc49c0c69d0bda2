import type { AppDeps } from '../deps.ts';
import { type TaskDeps, taskDepsOf } from '../tasks/deps.ts';
import { onFailure, type QueuedData, QUEUED_TASKS, type QueuedTaskName } from '../tasks/queued.ts';
import { SCHEDULED_TASKS, type ScheduledTaskName } from '../tasks/scheduled.ts';
import type { JobMessage } from './deps.ts';

/** A scheduled run stops taking new work after this, well inside a Worker's limits. */
const BUDGET_MS = 20_000;
/**
 * One queue consumer invocation handles a whole batch of messages within one CPU-time allowance
 * (30 s by default): an inbox drains for less than on Node and queues the rest.
 */
const INBOX_BUDGET_MS = 5_000;

const taskDeps = (d: AppDeps) => taskDepsOf(d, { inboxBudgetMs: INBOX_BUDGET_MS });

/**
 * One Cron Trigger: runs the catalogue's tasks declared for it (src/tasks/scheduled.ts), in order,
 * within the run's budget. A failing task is logged and the others still run. Returns what each
 * did, for the logs.
 */
export async function runScheduled(d: AppDeps, cron: string): Promise<Record<string, number>> {
  const started = Date.now();
  const deps = taskDeps(d);
  const limits = {
    stopped: () => Date.now() - started > BUDGET_MS,
    get budgetMs() {
      return Math.max(1_000, BUDGET_MS - (Date.now() - started));
    },
  };
  const out: Record<string, number> = {};
  for (const name of Object.keys(SCHEDULED_TASKS) as ScheduledTaskName[]) {
    const task = SCHEDULED_TASKS[name];
    if (task.cron !== cron) continue;
    try {
      Object.assign(out, await task.run(deps, limits));
    } catch (err) {
      d.logger.error('scheduled task failed', { task: name, error: (err as Error).name });
      out.failedTasks = (out.failedTasks ?? 0) + 1;
    }
  }
  return out;
}

/** A queued message as the catalogue's task and data (messages keep their shape across deploys). */
function taskOf(job: JobMessage): { [N in QueuedTaskName]: { name: N; data: QueuedData[N] } }[QueuedTaskName] {
  if (job.kind === 'inbox') return { name: 'inbox', data: job.key };
  return { name: job.kind, data: { ledgerId: job.ledgerId } };
}

/** One queued message: its task run, by the catalogue. Throws for the consumer to apply the policy. */
export async function runJob(d: AppDeps, job: JobMessage): Promise<void> {
  const { name, data } = taskOf(job);
  const started = performance.now();
  await (QUEUED_TASKS[name].run as (deps: TaskDeps, data: unknown) => Promise<void>)(taskDeps(d), data);
  d.logger.debug('background job done', { task: name, ms: Math.round(performance.now() - started) });
}

/**
 * What the consumer does with a message whose run failed, by the task's policy: retry it after the
 * policy's delay, or acknowledge it as given up. `attempts` counts deliveries, this one included.
 */
export function settleFailure(d: AppDeps, job: JobMessage, err: unknown, attempts: number) {
  const name = taskOf(job).name;
  const decision = onFailure(name, err, attempts);
  d.logger.warn('background job failed', {
    task: name,
    code: (err as { code?: string }).code,
    error: (err as Error).name,
    attempts,
    ...(decision.retry ? { retryInSeconds: decision.delaySeconds } : { givenUp: decision.reason }),
  });
  return decision;
}
