import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { SESSION_COOKIE } from '../services/sessions.ts';
import type { AppEnv } from './env.ts';

/** The session cookie: HttpOnly, SameSite=Lax, Secure whenever the site is served over https. */
export function setSessionCookie<E extends AppEnv>(c: Context<E>, token: string) {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: (c.var as AppEnv['Variables']).deps.config.publicUrl.startsWith('https://'),
    path: '/',
    maxAge: 14 * 86_400,
  });
}
