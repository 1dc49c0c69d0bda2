/**
 * Counts failed credential checks per client address in fixed windows, in memory: after `max`
 * failures an address is refused until its window ends. It bounds guessing of API tokens,
 * sessions and OAuth states; a valid credential from a blocked address waits too (a guesser must
 * not learn which of its guesses was right). Memory is bounded: the oldest addresses are dropped.
 */
export class FailureLimiter {
  private readonly windows = new Map<string, { start: number; failures: number }>();

  constructor(private readonly opts: { max: number; windowMs: number; now: () => number; maxAddresses?: number }) {}

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfterMs(address: string): number {
    const w = this.windows.get(address);
    if (!w) return 0;
    const left = w.start + this.opts.windowMs - this.opts.now();
    if (left <= 0) {
      this.windows.delete(address);
      return 0;
    }
    return w.failures >= this.opts.max ? left : 0;
  }

  fail(address: string) {
    const now = this.opts.now();
    const w = this.windows.get(address);
    if (w && now - w.start < this.opts.windowMs) {
      w.failures++;
      return;
    }
    this.windows.delete(address);
    this.windows.set(address, { start: now, failures: 1 });
    // Maps keep insertion order: the first key is the address seen longest ago.
    if (this.windows.size > (this.opts.maxAddresses ?? 10_000)) this.windows.delete(this.windows.keys().next().value!);
  }
}
