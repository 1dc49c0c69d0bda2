import { messageDetail } from '../../services/reminders/message-detail.ts';
import { when } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { ID, requireUiAuth } from './guard.ts';

/**
 * A message from the communication log opened in full, as the debtor received it (the text
 * part, shown as text, never injected), with the checks that allowed it to go.
 */
export function messagePage() {
  const app = router<AuthEnv>();
  app.use('/messages/*', requireUiAuth);
  app.get(`/messages/:id{${ID}}`, async (c) => {
    const { m, contactName, ledgerName, timezone } = await messageDetail({
      ctx: serviceCtx(c),
      input: { id: c.req.param('id') },
    });
    return c.html(
      <Layout title={m.subject} user={c.var.principal}>
        <p class="muted">
          <a href={`/ledgers/${m.ledgerId}`}>{ledgerName}</a>
          {m.contactId ? (
            <>
              {' · '}
              <a href={`/customers/${m.contactId}`}>{contactName}</a>
            </>
          ) : null}
          {` · ${m.status} ${when(m.sentAt ?? m.createdAt, timezone)}`}
          {m.reminderId ? (
            <>
              {' · '}
              <a href={`/reminders/${m.reminderId}`}>the reminder</a>
            </>
          ) : null}
        </p>
        {m.error ? <p class="error">{m.error}</p> : null}
        <section class="card" aria-labelledby="sent">
          <h2 id="sent">The message</h2>
          <p>
            <b>From</b> {m.fromAddress} · <b>To</b> {m.toAddresses.join(', ')}
            {m.ccAddresses.length ? (
              <>
                {' · '}
                <b>Cc</b> {m.ccAddresses.join(', ')}
              </>
            ) : null}
          </p>
          <p>
            <b>Subject</b> {m.subject}
          </p>
          <pre class="preview">{m.text}</pre>
          {m.templateKey ? (
            <p class="muted">{`Template ${m.templateKey}, version ${m.templateVersion ?? '—'}`}</p>
          ) : null}
        </section>
        <section class="card" aria-labelledby="checks">
          <h2 id="checks">Checked before it went</h2>
          {m.gateResults?.length ? (
            <ul>
              {m.gateResults.map((g) => (
                <li>{`${g.ok ? 'passed' : 'failed'}: ${g.gate.replace(/_/g, ' ')}${g.detail ? ` (${g.detail})` : ''}`}</li>
              ))}
            </ul>
          ) : (
            <p>No checks were recorded for this message.</p>
          )}
        </section>
      </Layout>,
    );
  });
  return app;
}
