import { stepWords, toneWords } from '../../domain/cadence/step-words.ts';
import { PROVIDER_MODULES } from '../../../connectors/registry.ts';
import { EXTERNAL_PROVIDERS } from '../../../connectors/types.ts';
import { listCases } from '../../services/handoff/cases.ts';
import { listLedgers } from '../../services/ledgers.ts';
import { ledgerOverview, portfolio } from '../../services/portfolio.ts';
import { listReminders } from '../../services/reminders/manage.ts';
import { listLedgerRisk } from '../../services/risk/manage.ts';
import { AgingChart, TrendChart } from '../../ui/charts.tsx';
import { money, pct, when } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { RiskModelCard } from '../../ui/risk-model.tsx';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';

/** "Xero or QuickBooks": every provider a firm can connect. */
const PROVIDER_LABELS = EXTERNAL_PROVIDERS.map((p) => PROVIDER_MODULES[p].label).join(' or ');
import { requireUiAuth, ID } from './guard.ts';

/** A reminder's invoices on one line: number and amount due of each. */
const invoiceList = (invoices: { number: string | null; amountDue: string; currency: string }[]) =>
  invoices.map((i) => `${i.number ?? '—'} ${money(i.amountDue, i.currency)}`).join(', ');

const COLUMNS = [
  ['name', 'Ledger'],
  ['overdue', 'Overdue'],
  ['overdueShare', '% overdue'],
  ['dso', 'DSO (days)'],
  ['remindersDueToday', 'Reminders due today'],
  ['approvalsWaiting', 'Approvals waiting'],
] as const;
type SortKey = (typeof COLUMNS)[number][0];

/** The portfolio (every ledger at a glance, one approval queue) and each ledger's page. */
/** Reminders per page of the approval queue. */
const QUEUE_PAGE = 200;

export function portfolioPages() {
  const app = router<AuthEnv>();
  app.use('/', requireUiAuth);
  app.use('/ledgers/*', requireUiAuth);

  app.get('/', async (c) => {
    const ctx = serviceCtx(c);
    const sort = (COLUMNS.find(([k]) => k === c.req.query('sort'))?.[0] ?? 'overdue') as SortKey;
    const dir = c.req.query('dir') === 'asc' ? 'asc' : 'desc';
    const rows = await portfolio({ ctx });
    const value = (r: (typeof rows)[number]) =>
      sort === 'name' ? r.name.toLowerCase() : sort === 'overdue' ? Number(r.overdue) : r[sort];
    rows.sort((a, b) => (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0) * (dir === 'asc' ? 1 : -1));
    // The queue in pages of QUEUE_PAGE (one more read tells whether a next page exists).
    const qOffset = Math.max(0, Math.min(1_000_000, Number.parseInt(c.req.query('approvals') ?? '0', 10) || 0));
    const fetched = await listReminders({
      ctx,
      input: { status: 'awaiting_approval', limit: QUEUE_PAGE + 1, offset: qOffset },
    });
    const queue = fetched.slice(0, QUEUE_PAGE);
    const moreQueued = fetched.length > QUEUE_PAGE;
    const held = await listReminders({ ctx, input: { status: 'needs_review', limit: 100 } });
    const cases = await listCases({ ctx, input: { stage: 'awaiting_approval', limit: 100 } });
    const names = new Map(rows.map((r) => [r.id, r.name]));
    const zones = new Map(rows.map((r) => [r.id, r.timezone]));
    return c.html(
      <Layout title="Portfolio" user={c.var.principal} notice={c.req.query('notice')} error={c.req.query('error')}>
        <section class="card scroll">
          <table>
            <caption class="muted" style="text-align:left">
              Every ledger you can see. Select a column heading to sort.
            </caption>
            <thead>
              <tr>
                {COLUMNS.map(([k, label]) => (
                  <th
                    scope="col"
                    class={k === 'name' ? '' : 'n'}
                    aria-sort={k === sort ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}
                  >
                    <a href={`/?sort=${k}&dir=${k === sort && dir === 'desc' ? 'asc' : 'desc'}`}>{label}</a>
                  </th>
                ))}
                <th scope="col">Connection</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr>
                  <th scope="row">
                    <a href={`/ledgers/${r.id}`}>{r.name}</a> <span class="muted">{r.provider}</span>
                  </th>
                  <td class="n">
                    {money(r.overdue, r.currency)}
                    <br />
                    <span class="muted">of {money(r.open, r.currency)}</span>
                  </td>
                  <td class="n">{`${r.overdueShare}%`}</td>
                  <td class="n">{String(r.dso)}</td>
                  <td class="n">{String(r.remindersDueToday)}</td>
                  <td class="n">{String(r.approvalsWaiting)}</td>
                  <td>
                    <span
                      class={`badge ${r.health.state === 'ok' ? 'ok' : r.health.state === 'syncing' ? 'warn' : 'bad'}`}
                    >
                      {r.health.state}
                    </span>
                    {r.health.detail ? <span class="muted"> {r.health.detail}</span> : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {rows.length === 0 ? (
            <p>
              No ledgers yet. <a href="/connections">Connect {PROVIDER_LABELS}</a> to start.
            </p>
          ) : null}
        </section>

        {held.length ? (
          <>
            <h2 id="held">Held for a person</h2>
            <section class="card scroll" aria-labelledby="held">
              <table>
                <caption class="muted" style="text-align:left">
                  Reminders that were not sent because something needs a decision first.
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Customer</th>
                    <th scope="col">Ledger</th>
                    <th scope="col">Why</th>
                    <th scope="col">Invoices</th>
                  </tr>
                </thead>
                <tbody>
                  {held.map((r) => (
                    <tr>
                      <td>
                        <a href={`/customers/${r.contactId}`}>{r.contactName}</a>
                      </td>
                      <td>{names.get(r.ledgerId) ?? ''}</td>
                      <td>{r.statusReason ?? ''}</td>
                      <td>{invoiceList(r.invoices)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </section>
          </>
        ) : null}

        <h2 id="approvals">Approval queue</h2>
        <section class="card scroll" aria-labelledby="approvals">
          {queue.length === 0 ? (
            <p>Nothing waits for approval.</p>
          ) : (
            <form method="post" action="/ui/reminders/approve">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Approve</th>
                    <th scope="col">Customer</th>
                    <th scope="col">Ledger</th>
                    <th scope="col">Message</th>
                    <th scope="col">Invoices</th>
                    <th scope="col">Due</th>
                  </tr>
                </thead>
                <tbody>
                  {queue.map((r) => (
                    <tr>
                      <td>
                        <input
                          type="checkbox"
                          name="ids"
                          value={r.id}
                          id={`r-${r.id}`}
                          aria-label={`Approve reminder to ${r.contactName} (${stepWords(r.stepKey)})`}
                        />
                      </td>
                      <td>
                        <a href={`/customers/${r.contactId}`}>{r.contactName}</a>
                      </td>
                      <td>{names.get(r.ledgerId) ?? ''}</td>
                      <td>
                        <a
                          href={`/reminders/${r.id}`}
                        >{`${toneWords(r.template, r.kind)} · ${stepWords(r.stepKey)}`}</a>
                      </td>
                      <td>{invoiceList(r.invoices)}</td>
                      <td>{when(r.dueAt, zones.get(r.ledgerId) ?? 'UTC')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <p>
                <button type="submit">Approve selected reminders</button>
              </p>
              <p>
                <label for="reject-reason">Or turn the selected ones down, saying why</label>
                <input
                  id="reject-reason"
                  name="reason"
                  maxlength={500}
                  placeholder="e.g. paid by cheque, not yet banked"
                />{' '}
                <button type="submit" class="secondary" formaction="/ui/reminders/reject">
                  Reject selected
                </button>
              </p>
            </form>
          )}
          {qOffset > 0 || moreQueued ? (
            <nav aria-label="Approval queue pages">
              {qOffset > 0 ? <a href={`/?approvals=${Math.max(0, qOffset - QUEUE_PAGE)}#approvals`}>Previous</a> : null}{' '}
              {`Reminders ${qOffset + 1}–${qOffset + queue.length} waiting`}{' '}
              {moreQueued ? <a href={`/?approvals=${qOffset + QUEUE_PAGE}#approvals`}>Next</a> : null}
            </nav>
          ) : null}
          {queue.length === 0 ? null : (
            <div>
              {[...new Set(queue.map((r) => r.ledgerId))].map((ledgerId) => (
                <form class="inline" method="post" action="/ui/reminders/approve">
                  <input type="hidden" name="ledgerId" value={ledgerId} />
                  <button type="submit" class="secondary">
                    {`Approve all waiting for ${names.get(ledgerId) ?? 'this ledger'}`}
                  </button>
                </form>
              ))}
            </div>
          )}
          {cases.length ? (
            <>
              <h3>Hand-off cases awaiting approval</h3>
              <ul>
                {cases.map((h) => (
                  <li>
                    <a href={`/customers/${h.contactId}`}>{h.contactName}</a>: {money(h.amount, h.currency)} to{' '}
                    {h.agencyName ?? 'no agency chosen'} · {h.reason}
                    <form class="inline" method="post" action={`/ui/handoffs/${h.id}/approve`}>
                      <button type="submit">Approve hand-off</button>
                    </form>
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
      </Layout>,
    );
  });

  app.get(`/ledgers/:id{${ID}}`, async (c) => {
    const ctx = serviceCtx(c);
    const o = await ledgerOverview({ ctx, input: { ledgerId: c.req.param('id') } });
    const l = o.ledger;
    const sync = (await listLedgers({ ctx })).find((x) => x.id === l.id)?.sync ?? [];
    const risk = await listLedgerRisk({ ctx, input: { ledgerId: l.id, limit: 10, offset: 0 } });
    const upcoming = [
      ...(await listReminders({ ctx, input: { ledgerId: l.id, status: 'awaiting_approval', limit: 10 } })),
      ...(await listReminders({ ctx, input: { ledgerId: l.id, status: 'scheduled', limit: 10 } })),
    ].slice(0, 12);
    return c.html(
      <Layout title={l.name} user={c.var.principal} notice={c.req.query('notice')} error={c.req.query('error')}>
        <p class="muted">
          {l.provider} · {l.baseCurrency} · {l.timezone}
          {l.safeMode ? ' · safe mode: every reminder waits for approval' : ''}
        </p>
        <p>
          <a href={`/ledgers/${l.id}/credit`}>Credit control</a> ·{' '}
          <a href={`/reports/forecast?ledgerId=${l.id}`}>Cash-flow forecast</a> ·{' '}
          <a href={`/reports/provision?ledgerId=${l.id}`}>Provision</a> · <a href="/reports">All reports</a>
        </p>
        <div class="grid">
          <section class="card" aria-labelledby="aging">
            <h2 id="aging">Aged receivables</h2>
            <AgingChart buckets={o.aging} currency={l.baseCurrency} />
            {o.otherCurrencies ? (
              <p class="muted">{`${o.otherCurrencies} open invoices in other currencies are not included.`}</p>
            ) : null}
          </section>
          <section class="card" aria-labelledby="dso">
            <h2 id="dso">Days sales outstanding</h2>
            <TrendChart points={o.dsoTrend} />
          </section>
        </div>
        <section class="card" aria-labelledby="sync">
          <h2 id="sync">Sync</h2>
          {sync.map((s) => {
            const done = s.pagesEstimated
              ? Math.min(100, Math.round((s.pagesDone / s.pagesEstimated) * 100))
              : s.status === 'done'
                ? 100
                : 0;
            return (
              <div>
                <label
                  for={`sync-${s.resource}`}
                >{`${s.resource}: ${s.status}, ${s.itemsDone} records${s.lastRunAt ? `, last run ${when(s.lastRunAt, l.timezone)}` : ''}`}</label>
                <div
                  class="progress"
                  role="progressbar"
                  id={`sync-${s.resource}`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={done}
                >
                  <span style={`width:${done}%`} />
                </div>
                {s.lastError ? <p class="error">{s.lastError}</p> : null}
              </div>
            );
          })}
        </section>
        <div class="grid">
          <section class="card scroll" aria-labelledby="atrisk">
            <h2 id="atrisk">At-risk customers</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">Customer</th>
                  <th scope="col">Risk</th>
                  <th scope="col" class="n">
                    Late
                  </th>
                  <th scope="col">Why</th>
                </tr>
              </thead>
              <tbody>
                {risk.contacts.map((r) => (
                  <tr>
                    <td>
                      <a href={`/customers/${r.contactId}`}>{r.name}</a>
                    </td>
                    <td>
                      <span class={`badge ${r.band === 'high' ? 'bad' : r.band === 'medium' ? 'warn' : 'ok'}`}>
                        {r.band}
                      </span>
                    </td>
                    <td class="n">{pct(r.pLate)}</td>
                    <td>{r.reasons[0]?.text ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <section class="card scroll" aria-labelledby="upcoming">
            <h2 id="upcoming">Upcoming reminders</h2>
            <table>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Message</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {upcoming.map((r) => (
                  <tr>
                    <td>{when(r.dueAt, l.timezone)}</td>
                    <td>
                      <a href={`/customers/${r.contactId}`}>{r.contactName}</a>
                    </td>
                    <td>{`${toneWords(r.template, r.kind)} · ${stepWords(r.stepKey)}`}</td>
                    <td>{r.status.replace('_', ' ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
        <RiskModelCard model={risk.model} bands={risk.bands} />
        <section class="card" aria-labelledby="feed">
          <h2 id="feed">Activity</h2>
          <ul>
            {o.feed.map((f) => (
              <li>
                <span class="muted">{when(f.at, l.timezone)}</span> {f.text}
              </li>
            ))}
          </ul>
          {o.feed.length === 0 ? <p>Nothing yet.</p> : null}
        </section>
      </Layout>,
    );
  });
  return app;
}
