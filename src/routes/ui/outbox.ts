import { html, raw } from 'hono/html';
import { listMessages } from '../../services/reminders/manage.ts';
import { type AuthEnv, requireAuth, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';

/**
 * The outbox page: every message overdue sent or (in the embedded default) captured instead of
 * sending, newest first, with what it said and why it was allowed to go. Values are escaped by
 * hono/html; the rendered HTML body is shown as text, never injected.
 */
export function outboxPage() {
  const app = router<AuthEnv>();
  app.use('/outbox', requireAuth);
  app.get('/outbox', async (c) => {
    const messages = await listMessages({ ctx: serviceCtx(c), input: { limit: 100 } });
    const rows = messages.map(
      (m) => html`<article>
        <h2>${m.subject}</h2>
        <p><b>${m.status}</b> · to ${m.to.join(', ')}${m.cc.length ? html` · cc ${m.cc.join(', ')}` : ''} · ${m.sentAt ?? 'not sent'} · template ${m.templateKey ?? '-'} ${m.templateVersion ?? ''}</p>
        <details><summary>Gates</summary><ul>${m.gateResults.map((g) => html`<li>${g.ok ? '✓' : '✗'} ${g.gate}${g.detail ? html`: ${g.detail}` : ''}</li>`)}</ul></details>
        <pre>${m.text}</pre>
      </article>`,
    );
    return c.html(html`<!doctype html>
      <html lang="en">
        <head><meta charset="utf-8" /><title>Outbox · overdue</title>
          <style>${raw('body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}article{border-bottom:1px solid #ddd;padding:1rem 0}pre{white-space:pre-wrap;background:#f7f7f7;padding:.75rem}h2{font-size:1.1rem;margin:0}')}</style>
        </head>
        <body>
          <h1>Outbox</h1>
          <p>${messages.length ? `${messages.length} most recent messages.` : 'No messages yet.'} Captured messages were not sent: set SMTP_URL to deliver them.</p>
          ${rows}
        </body>
      </html>`);
  });
  return app;
}
