import { dbError } from '../db/client.ts';
import type { TaskDeps } from '../tasks/deps.ts';
import { SCHEDULED_TASKS, type ScheduledTaskName } from '../tasks/scheduled.ts';
import { repeat } from './repeat.ts';

/** Time one pass of a task may take where it asks (the inbox purge). */
const PASS_BUDGET_MS = 20_000;

/**
 * Runs the catalogue's scheduled tasks in this process, each on its own interval (and once at
 * start-up where the catalogue says), never two runs of one task at a time. A failed run is
 * logged and the next one comes at its interval. The returned stop starts nothing more and waits
 * (up to `graceMs`) for the runs in progress: a shutdown must not cut a send in half.
 */
export function startScheduledTasks(deps: TaskDeps, only?: readonly ScheduledTaskName[]) {
  const names = (Object.keys(SCHEDULED_TASKS) as ScheduledTaskName[]).filter((n) => !only || only.includes(n));
  const stops = names.map((name) => {
    const task = SCHEDULED_TASKS[name];
    return repeat(
      task.everyMs(deps.config),
      async (stopped) => {
        try {
          const done = await task.run(deps, { stopped, budgetMs: PASS_BUDGET_MS });
          if (Object.values(done).some((n) => n > 0)) deps.logger.debug('scheduled task ran', { task: name, ...done });
        } catch (err) {
          deps.logger.error('scheduled task failed', { task: name, ...dbError(err) });
        }
      },
      { atStart: task.atStart },
    );
  });
  return async (graceMs = 30_000) => {
    const outcomes = await Promise.all(stops.map((stop) => stop(graceMs)));
    const unfinished = names.filter((_, i) => outcomes[i] === 'gave up');
    if (unfinished.length)
      deps.logger.warn('shutdown: scheduled tasks still running after the grace period', { unfinished, graceMs });
  };
}
