/**
 * Waits for a condition, polling: the one way a test waits (never a fixed sleep, never a rate).
 * The deadline only turns a hang into a clear failure naming what never happened; it is generous
 * because a loaded 2-core machine is slow, and a condition that holds returns at once.
 */
export async function waitUntil<T>(
  probe: () => T | null | undefined | false | Promise<T | null | undefined | false>,
  opts: { what?: string; timeoutMs?: number; everyMs?: number } = {},
): Promise<T> {
  const { what = 'condition', timeoutMs = 30_000, everyMs = 25 } = opts;
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
