import { HttpResponse } from 'msw';

/**
 * Requests a provider fake accepts and never answers, as a stalled provider does. A stalled
 * request ends when the client gives up (aborts), or after a minute for a client that cannot
 * abort, as a load balancer's idle timeout would end it; either way the client sees a network error.
 */
export class Stalls {
  private rules: { match: RegExp; times: number; when?: (request: Request) => boolean }[] = [];
  /** Requests that stalled. */
  count = 0;

  /** The next `times` requests whose path matches (and, if given, that `when` accepts) stall. */
  add(match: RegExp, times = 1, when?: (request: Request) => boolean) {
    this.rules.push({ match, times, when });
  }

  /** The provider answers again. */
  clear() {
    this.rules = [];
  }

  /** Stalls this request if a rule asks for it; otherwise undefined at once. */
  async take(path: string, request: Request): Promise<Response | undefined> {
    const rule = this.rules.find((x) => x.times > 0 && x.match.test(path) && (!x.when || x.when(request)));
    if (!rule) return undefined;
    rule.times--;
    this.count++;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 60_000);
      timer.unref?.();
      request.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    return HttpResponse.error();
  }
}
