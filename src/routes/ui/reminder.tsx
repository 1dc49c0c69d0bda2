import { stepWords, toneWords } from '../../domain/cadence/step-words.ts';
import { reminderDetail } from '../../services/reminders/detail.ts';
import { money, when } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { ID, requireUiAuth } from './guard.ts';

/**
 * A reminder opened from the approval queue: the message in full as it would go now, its invoices,
 * and approve or reject for it alone. The body is shown as text, never injected.
 */
export function reminderPage() {
  const app = router<AuthEnv>();
  app.use('/reminders/*', requireUiAuth);
  app.get(`/reminders/:id{${ID}}`, async (c) => {
    const d = await reminderDetail({ ctx: serviceCtx(c), input: { id: c.req.param('id') } });
    const back = `/reminders/${d.r.id}`;
    const waiting = d.r.status === 'awaiting_approval';
    return c.html(
      <Layout
        title={`${toneWords(d.r.templateKey, d.r.kind)} to ${d.contactName}`}
        user={c.var.principal}
        notice={c.req.query('notice')}
        error={c.req.query('error')}
      >
        <p class="muted">
          <a href={`/ledgers/${d.r.ledgerId}`}>{d.ledgerName}</a> ·{' '}
          <a href={`/customers/${d.r.contactId}`}>{d.contactName}</a> · {stepWords(d.r.stepKey)} ·{' '}
          {d.r.status.replace('_', ' ')}
          {d.r.statusReason ? ` (${d.r.statusReason})` : ''} · due {when(d.r.dueAt, d.timezone)}
        </p>
        <section class="card" aria-labelledby="message">
          <h2 id="message">The message, as it would go now</h2>
          <p>
            <b>To</b> {d.message.to ?? 'nobody: no email on file'} · <b>From</b> {d.message.fromName}
          </p>
          <p>
            <b>Subject</b> {d.message.subject}
          </p>
          <pre class="preview">{d.message.text}</pre>
        </section>
        <section class="card scroll" aria-labelledby="items">
          <h2 id="items">Invoices</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Due</th>
                <th scope="col" class="n">
                  Due amount
                </th>
                <th scope="col">Step</th>
              </tr>
            </thead>
            <tbody>
              {d.items.map((i) => (
                <tr>
                  <td>{i.number ?? '(no number)'}</td>
                  <td>{i.dueDate ?? '—'}</td>
                  <td class="n">{money(i.amountDue, i.currency)}</td>
                  <td>{stepWords(i.stepKey)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        {waiting ? (
          <section class="card" aria-labelledby="decide">
            <h2 id="decide">Decide</h2>
            <form class="inline" method="post" action="/ui/reminders/approve">
              <input type="hidden" name="ids" value={d.r.id} />
              <input type="hidden" name="back" value={back} />
              <button type="submit">Approve this reminder</button>
            </form>
            <form class="inline" method="post" action="/ui/reminders/reject">
              <input type="hidden" name="ids" value={d.r.id} />
              <input type="hidden" name="back" value={back} />
              <label for="reason">Reason</label>
              <input id="reason" name="reason" maxlength={500} required />
              <button type="submit" class="secondary">
                Reject
              </button>
            </form>
          </section>
        ) : null}
      </Layout>,
    );
  });
  return app;
}
