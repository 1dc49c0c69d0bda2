import { STAGE_WORDS } from '../../domain/handoff/status.ts';
import { customerOverview } from '../../services/customer-overview.ts';
import { listAgencies } from '../../services/handoff/agencies.ts';
import { listCases } from '../../services/handoff/cases.ts';
import { listMessages } from '../../services/reminders/manage.ts';
import { getContactRisk } from '../../services/risk/manage.ts';
import { localDate } from '../../domain/dates.ts';
import { money, payWords, pct, when } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { requireUiAuth, ID } from './guard.ts';

/** A customer: risk with reasons, invoices with their controls, the communication log. */
export function customerPage() {
  const app = router<AuthEnv>();
  app.use('/customers/*', requireUiAuth);
  app.get(`/customers/:id{${ID}}`, async (c) => {
    const ctx = serviceCtx(c);
    const row = await customerOverview({ ctx, input: { contactId: c.req.param('id') } });
    const { open } = row;
    const tz = row.l.timezone;
    const risk = await getContactRisk({ ctx, input: { contactId: row.c.id } });
    const log = await listMessages({ ctx, input: { contactId: row.c.id, limit: 50 } });
    const agencies = await listAgencies({ ctx });
    const cases = (await listCases({ ctx, input: { ledgerId: row.l.id, limit: 200 } })).filter(
      (h) => h.contactId === row.c.id,
    );
    const paused = row.s?.pausedUntil && row.s.pausedUntil > ctx.clock.now();
    const back = `/customers/${row.c.id}`;
    return c.html(
      <Layout title={row.c.name} user={c.var.principal} notice={c.req.query('notice')} error={c.req.query('error')}>
        <p class="muted">
          <a href={`/ledgers/${row.l.id}`}>{row.l.name}</a> · {row.c.email ?? 'no email on file'}
          {row.s?.optedOutAt ? ' · opted out of reminders' : ''}
        </p>
        <div class="grid">
          <section class="card" aria-labelledby="risk">
            <h2 id="risk">Risk</h2>
            {risk.score ? (
              <>
                <p>
                  <span
                    class={`badge ${risk.score.band === 'high' ? 'bad' : risk.score.band === 'medium' ? 'warn' : 'ok'}`}
                  >
                    {risk.score.band}
                  </span>{' '}
                  {`${pct(risk.score.pLate)} likely to pay late, ${pct(risk.score.pVeryLate)} more than 10 days late`}
                </p>
                <ul>
                  {risk.score.reasons.map((r) => (
                    <li>{r.text}</li>
                  ))}
                </ul>
                <p class="muted">{`Model ${risk.score.modelVersion}`}</p>
              </>
            ) : (
              <p>Not scored yet.</p>
            )}
          </section>
          <section class="card" aria-labelledby="controls">
            <h2 id="controls">Collection</h2>
            <p>
              {paused
                ? `Paused through ${localDate(new Date(row.s!.pausedUntil!.getTime() - 1), tz)}.`
                : row.s?.excluded
                  ? 'Excluded from reminders.'
                  : 'Reminders run on schedule.'}
            </p>
            {paused ? (
              <form class="inline" method="post" action={`/ui/customers/${row.c.id}/resume`}>
                <button type="submit">Resume reminders</button>
              </form>
            ) : (
              <form class="inline" method="post" action={`/ui/customers/${row.c.id}/pause`}>
                <div>
                  <label for="pause-until">Pause reminders until</label>
                  <input type="date" id="pause-until" name="until" required />
                </div>
                <button type="submit">Pause</button>
              </form>
            )}
            <form class="inline" method="post" action={`/ui/customers/${row.c.id}/exclude`}>
              <input type="hidden" name="excluded" value={row.s?.excluded ? 'false' : 'true'} />
              <button type="submit" class="secondary">
                {row.s?.excluded ? 'Include in reminders again' : 'Exclude from reminders'}
              </button>
            </form>
            <form class="inline" method="post" action={`/ui/customers/${row.c.id}/handoff`}>
              <div>
                <label for="agency">Hand off to</label>
                <select id="agency" name="agencyId">
                  {agencies.map((a) => (
                    <option value={a.id}>{a.name}</option>
                  ))}
                  <option value="">Choose later</option>
                </select>
              </div>
              <button type="submit" class="danger">
                Open hand-off case
              </button>
            </form>
            {cases.map((h) => (
              <p>{`Case ${h.reference}: ${STAGE_WORDS[h.stage]}, ${money(h.amount, h.currency)}${h.agencyName ? ` with ${h.agencyName}` : ''}${h.delivery.lastError && (h.stage === 'approved' || h.stage === 'undelivered') ? ` (${h.delivery.lastError})` : ''}`}</p>
            ))}
          </section>
        </div>
        <section class="card scroll" aria-labelledby="invoices">
          <h2 id="invoices">Open invoices</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Due</th>
                <th scope="col" class="n">
                  Due amount
                </th>
                <th scope="col">Risk</th>
                <th scope="col">State</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {open.map(({ inv, st }) => {
                const s = risk.invoices.find((i) => i.invoiceId === inv.id)?.score;
                const label = inv.number ?? inv.id.slice(0, 8);
                return (
                  <tr>
                    <td>{label}</td>
                    <td>{inv.dueDate ?? '—'}</td>
                    <td class="n">{money(inv.amountDue, inv.currency)}</td>
                    <td>{s ? `${pct(s.pLate)} late · ${payWords(s)}` : ''}</td>
                    <td>
                      {[
                        st?.disputedAt ? `disputed: ${st.disputeReason ?? ''}` : null,
                        st?.promiseToPayUntil ? `promised by ${st.promiseToPayUntil}` : null,
                        st?.paymentPlan?.length ? `plan of ${st.paymentPlan.length}` : null,
                        st?.handedOffAt ? 'with agency' : null,
                      ]
                        .filter(Boolean)
                        .join('; ')}
                    </td>
                    <td>
                      <details>
                        <summary>{`Dispute, promise or plan for ${label}`}</summary>
                        {st?.disputedAt ? (
                          <form class="inline" method="post" action={`/ui/invoices/${inv.id}/dispute`}>
                            <input type="hidden" name="clear" value="1" />
                            <input type="hidden" name="back" value={back} />
                            <button type="submit" class="secondary">{`Resolve dispute on ${label}`}</button>
                          </form>
                        ) : (
                          <form class="inline" method="post" action={`/ui/invoices/${inv.id}/dispute`}>
                            <div>
                              <label for={`d-${inv.id}`}>{`Dispute reason for ${label}`}</label>
                              <input id={`d-${inv.id}`} name="reason" required maxlength={500} />
                            </div>
                            <input type="hidden" name="back" value={back} />
                            <button type="submit" class="secondary">
                              Mark disputed
                            </button>
                          </form>
                        )}
                        <form class="inline" method="post" action={`/ui/invoices/${inv.id}/promise`}>
                          <div>
                            <label for={`p-${inv.id}`}>{`Promised payment date for ${label}`}</label>
                            <input type="date" id={`p-${inv.id}`} name="date" value={st?.promiseToPayUntil ?? ''} />
                          </div>
                          <input type="hidden" name="back" value={back} />
                          <button type="submit" class="secondary">
                            Save promise
                          </button>
                        </form>
                        <form class="inline" method="post" action={`/ui/invoices/${inv.id}/plan`}>
                          <div>
                            <label
                              for={`pl-${inv.id}`}
                            >{`Payment plan for ${label} (one "date amount" per line)`}</label>
                            <textarea id={`pl-${inv.id}`} name="plan" style="min-height:3rem">
                              {(st?.paymentPlan ?? []).map((i) => `${i.dueDate} ${i.amount}`).join('\n')}
                            </textarea>
                          </div>
                          <input type="hidden" name="back" value={back} />
                          <button type="submit" class="secondary">
                            Save plan
                          </button>
                        </form>
                      </details>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {open.length === 0 ? <p>No open invoices.</p> : null}
        </section>
        <section class="card scroll" aria-labelledby="log">
          <h2 id="log">Communication log</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Subject</th>
                <th scope="col">To</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {log.map((m) => (
                <tr>
                  <td>{when(m.sentAt ?? m.createdAt, tz)}</td>
                  <td>
                    <a href={`/messages/${m.id}`}>{m.subject}</a>
                  </td>
                  <td>{m.to.join(', ')}</td>
                  <td>{m.status}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {log.length === 0 ? <p>No messages yet.</p> : null}
        </section>
      </Layout>,
    );
  });
  return app;
}
