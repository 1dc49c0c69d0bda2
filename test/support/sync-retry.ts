import { expect } from 'vitest';

/**
 * Runs a sync again after each failure, as the job engine does with a retryable error (from the
 * saved cursor); every failure must match `failure`. Returns how many runs it took.
 */
export async function syncUntilDone(
  sync: () => Promise<unknown>,
  failure: Record<string, unknown>,
  maxRuns = 6,
): Promise<number> {
  for (let runs = 1; runs <= maxRuns; runs++) {
    const ok = await sync().then(
      () => true,
      (e: unknown) => {
        expect(e).toMatchObject({ name: 'ConnectorError', retryable: true, ...failure });
        return false;
      },
    );
    if (ok) return runs;
  }
  throw new Error(`the sync did not complete in ${maxRuns} runs`);
}
