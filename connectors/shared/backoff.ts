/** Full-jitter exponential backoff: spreads retries so many workers do not retry in step. */
export function backoffMs(attempt: number, random: () => number = Math.random, baseMs = 500, capMs = 30_000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * ceiling);
}

export const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
