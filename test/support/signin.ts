import { expect } from 'vitest';
import type { App } from '../../src/app.ts';

export const cookieOf = (res: Response, name: string) =>
  res.headers
    .getSetCookie()
    .find((c) => c.startsWith(`${name}=`))
    ?.split(';')[0];

/** Drives "Sign in with …" as a browser would: start (consent URL + browser cookie), then the callback. */
export function signInFlow(app: App, provider: 'xero' | 'quickbooks') {
  const start = async (next = '/') => {
    const res = await app.request(`/auth/${provider}?next=${encodeURIComponent(next)}`);
    expect(res.status).toBe(302);
    return { url: res.headers.get('location')!, browser: cookieOf(res, 'overdue_signin')! };
  };
  const finish = (callback: string, browser?: string) => {
    const u = new URL(callback);
    return app.request(`${u.pathname}${u.search}`, { headers: browser ? { cookie: browser } : {} });
  };
  return { start, finish };
}
