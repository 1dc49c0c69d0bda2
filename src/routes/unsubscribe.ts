import { html } from 'hono/html';
import { optOutByToken } from '../services/reminders/manage.ts';
import { router } from './env.ts';

/**
 * The opt-out link in every reminder. GET only shows a confirmation (mail scanners follow links);
 * POST opts out, which is also what mail clients send for one-click unsubscribe (RFC 8058).
 */
export function unsubscribeRoutes() {
  const app = router();
  app.get('/unsubscribe/:token{[A-Za-z0-9_-]{20,100}}', (c) =>
    c.html(
      html`<!doctype html><html><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
        <h1>Stop payment reminders?</h1>
        <p>You will get no more automatic reminders for these invoices. The business may still contact you.</p>
        <form method="post"><button type="submit">Stop reminders</button></form></body></html>`,
    ),
  );
  app.post('/unsubscribe/:token{[A-Za-z0-9_-]{20,100}}', async (c) => {
    const { deps } = c.var;
    await optOutByToken({ db: deps.database.db, clock: deps.clock, logger: deps.logger }, c.req.param('token'));
    return c.html(
      html`<!doctype html><html><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto"><h1>Done</h1><p>You will get no more automatic reminders.</p></body></html>`,
    );
  });
  return app;
}
