import { listMessages } from '../../services/reminders/manage.ts';
import { Layout } from '../../ui/layout.tsx';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { requireUiAuth } from './guard.ts';

/**
 * The outbox page: every message overdue sent or (in the embedded default) captured instead of
 * sending, newest first, with what it said and why it was allowed to go. The rendered HTML body
 * is shown as text, never injected.
 */
export function outboxPage() {
  const app = router<AuthEnv>();
  app.use('/outbox', requireUiAuth);
  app.get('/outbox', async (c) => {
    const messages = await listMessages({ ctx: serviceCtx(c), input: { limit: 100 } });
    return c.html(
      <Layout title="Outbox" user={c.var.principal}>
        <p>
          {messages.length ? `${messages.length} most recent messages.` : 'No messages yet.'} Captured messages were not
          sent: set SMTP_URL to deliver them.
        </p>
        {messages.map((m) => (
          <section class="card">
            <h2>{m.subject}</h2>
            <p>
              <b>{m.status}</b> · to {m.to.join(', ')}
              {m.cc.length ? ` · cc ${m.cc.join(', ')}` : ''} · {m.sentAt ?? 'not sent'} · template{' '}
              {m.templateKey ?? '-'} {m.templateVersion ?? ''}
            </p>
            <details>
              <summary>Gates</summary>
              <ul>
                {m.gateResults.map((g) => (
                  <li>{`${g.ok ? '✓' : '✗'} ${g.gate}${g.detail ? `: ${g.detail}` : ''}`}</li>
                ))}
              </ul>
            </details>
            <pre class="preview">{m.text}</pre>
          </section>
        ))}
      </Layout>,
    );
  });
  return app;
}
