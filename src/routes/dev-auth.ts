import { AppError } from '../errors.ts';
import { demoUser } from '../services/demo.ts';
import { createSession } from '../services/sessions.ts';
import { socketAddress } from './auth-failures.ts';
import { setSessionCookie } from './session-cookie.ts';
import { router } from './env.ts';

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/**
 * Development sign-in for the embedded default only: signs in as the demo user. Not mounted at
 * all in production or when the demo ledger is off.
 */
export function devAuthRoutes() {
  const app = router();
  app.get('/auth/dev', async (c) => {
    // Anyone who can reach it becomes the demo firm's owner: only a browser on this machine may.
    const from = socketAddress(c.env);
    if (from && !LOOPBACK.test(from))
      throw new AppError('forbidden', 'the demo sign-in is open only to a browser on the same machine');
    const { database, clock } = c.var.deps;
    const user = await demoUser(database.db);
    if (!user) throw new AppError('not_found', 'the demo firm is not set up yet');
    const token = await createSession(database.db, user.id, user.firmId, clock.now());
    setSessionCookie(c, token);
    // Only a path on this site: an open redirect would let a link send the user anywhere.
    const next = c.req.query('next');
    return c.redirect(next && /^\/(?!\/)[\w\-/?=&.]*$/.test(next) ? next : '/', 302);
  });
  return app;
}
