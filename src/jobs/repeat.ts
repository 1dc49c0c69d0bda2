/**
 * Runs `run` every `everyMs` (and at once with `atStart`), never two at a time (a run still going
 * skips the next beat). The returned stop starts no more runs and waits, up to `graceMs`, for the
 * one in progress: a shutdown must not cut a send or a ledger write in half. It says whether that
 * run finished.
 */
export function repeat(
  everyMs: number,
  run: (stopped: () => boolean) => Promise<void>,
  opts: { atStart?: boolean } = {},
) {
  let running: Promise<void> | undefined;
  let stopped = false;
  const beat = () => {
    if (running || stopped) return;
    running = run(() => stopped).finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(beat, everyMs);
  if (opts.atStart) beat();
  timer.unref();
  return async (graceMs = 30_000): Promise<'finished' | 'gave up'> => {
    stopped = true;
    clearInterval(timer);
    if (!running) return 'finished';
    let timeout: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<'gave up'>((r) => {
      timeout = setTimeout(() => r('gave up'), graceMs);
    });
    const outcome = await Promise.race([running.then(() => 'finished' as const), gaveUp]);
    clearTimeout(timeout);
    return outcome;
  };
}
