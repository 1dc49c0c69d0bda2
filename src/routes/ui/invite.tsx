import { acrossFirms } from '../../db/isolation.ts';
import { acceptInvite, findInvite } from '../../services/firm-admin.ts';
import { createSession } from '../../services/sessions.ts';
import { Layout } from '../../ui/layout.tsx';
import type { AuthEnv } from '../auth.ts';
import { router } from '../env.ts';
import { setSessionCookie } from '../session-cookie.ts';
import { formCsrf, requireUiAuth } from './guard.ts';

/** An invitation link: sign in (any way), see which firm and role, accept; then you are in that firm. */
export function invitePages() {
  const app = router<AuthEnv>();
  app.use('/invite/*', requireUiAuth);
  app.get('/invite/:token', async (c) => {
    const { database, clock, logger } = c.var.deps;
    // An invitation is another firm's row until it is accepted.
    const found = await acrossFirms(database.db, 'reading an invitation', logger, (db) =>
      findInvite(db, c.req.param('token'), clock.now()),
    );
    if (!found) {
      return c.html(
        <Layout
          title="Invitation"
          user={c.var.principal}
          error="This invitation is not valid any more: ask for a new one."
        >
          {''}
        </Layout>,
        404,
      );
    }
    return c.html(
      <Layout title="Invitation" user={c.var.principal}>
        <section class="card">
          <p>{`You are invited to join ${found.firmName} as ${found.i.role}.`}</p>
          <form method="post" action={`/invite/${c.req.param('token')}`}>
            <button type="submit">{`Join ${found.firmName}`}</button>
          </form>
        </section>
      </Layout>,
    );
  });
  app.post('/invite/:token', formCsrf(), async (c) => {
    const { database, clock, logger } = c.var.deps;
    const actor = c.var.principal.actor;
    if (actor.type !== 'user') return c.redirect('/signin', 303);
    const { joined, token } = await acrossFirms(database.db, 'accepting an invitation', logger, async (db) => {
      const joined = await acceptInvite(db, c.req.param('token'), actor.userId, clock.now());
      // The session moves to the firm just joined.
      return { joined, token: await createSession(db, actor.userId, joined.firmId, clock.now()) };
    });
    setSessionCookie(c, token);
    return c.redirect(`/?notice=${encodeURIComponent(`You joined ${joined.firmName} as ${joined.role}.`)}`, 303);
  });
  return app;
}
