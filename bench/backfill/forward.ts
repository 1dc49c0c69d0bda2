import { EventEmitter } from 'node:events';
import { bypass, http } from 'msw';
import { setupServer } from 'msw/node';

/**
 * Sends every provider URL the SDKs call in this process to the fake server (fake-server.ts) over
 * loopback, the original URL in `x-original-url`. Returns the msw server (close it when done).
 */
export function forwardTo(fakeUrl: string) {
  // The SDKs keep up to 10 sockets busy; msw's mock socket warns past 10 listeners, harmlessly.
  EventEmitter.defaultMaxListeners = 32;
  const forward = setupServer(
    http.all('*', async ({ request }) => {
      const url = new URL(request.url);
      const headers = new Headers(request.headers);
      headers.set('x-original-url', request.url);
      const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
      return fetch(
        bypass(new Request(`${fakeUrl}${url.pathname}${url.search}`, { method: request.method, headers, body })),
      );
    }),
  );
  forward.listen({ onUnhandledRequest: 'error' });
  return forward;
}
