import { AMOUNT } from '../../domain/amount.ts';
import { z } from 'zod';
import { listAlerts, listCredit } from '../../services/credit/limits.ts';
import { REPORTS, type Report, report } from '../../services/credit/reports.ts';
import { listLedgers } from '../../services/ledgers.ts';
import { AppError } from '../../errors.ts';
import { SeriesChart } from '../../ui/charts.tsx';
import { money, when } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { setCreditLimit } from '../../services/credit/limits.ts';
import { formCsrf, formFields, requireUiAuth, ID } from './guard.ts';

const TITLES: Record<(typeof REPORTS)[number], string> = {
  aging: 'Aged receivables',
  'aged-debtors': 'Aged debtors',
  dso: 'DSO trend',
  cei: 'Collection effectiveness',
  reminders: 'Reminder effectiveness',
  'top-overdue': 'Top overdue customers',
  provision: 'Bad-debt provision',
  forecast: 'Cash-flow forecast',
};

/** A report cell for people: amounts in their row's currency with its own decimals; CSV keeps them raw. */
function cell(r: Report, row: Report['rows'][number], i: number): string {
  const v = row[i];
  if (v === null || v === undefined) return '—';
  const currency = row[r.columns.indexOf('currency')];
  if (r.money?.includes(r.columns[i]!) && typeof currency === 'string') return money(String(v), currency);
  return String(v);
}

/** Reports (each a chart, a table and its CSV) and the credit-control page of a ledger. */
export function reportPages() {
  const app = router<AuthEnv>();
  app.use('/reports', requireUiAuth);
  app.use('/reports/*', requireUiAuth);
  app.use('/ledgers/:id/credit', requireUiAuth);
  app.use('/ui/contacts/*', formCsrf(), requireUiAuth);

  app.get('/reports', async (c) => {
    const ledgers = await listLedgers({ ctx: serviceCtx(c) });
    return c.html(
      <Layout title="Reports" user={c.var.principal}>
        <section class="card">
          <h2>Whole portfolio</h2>
          <ul>
            {REPORTS.map((r) => (
              <li>
                <a href={`/reports/${r}`}>{TITLES[r]}</a>
              </li>
            ))}
          </ul>
          {ledgers.map((l) => (
            <>
              <h2>{l.name}</h2>
              <p>
                {REPORTS.map((r) => (
                  <>
                    <a href={`/reports/${r}?ledgerId=${l.id}`}>{TITLES[r]}</a> ·{' '}
                  </>
                ))}
                <a href={`/ledgers/${l.id}/credit`}>Credit control</a>
              </p>
            </>
          ))}
        </section>
      </Layout>,
    );
  });

  app.get('/reports/:name', async (c) => {
    const name = z.enum(REPORTS).safeParse(c.req.param('name'));
    if (!name.success) throw new AppError('not_found', 'no such report');
    const id = z
      .uuid()
      .optional()
      .safeParse(c.req.query('ledgerId') || undefined);
    if (!id.success) throw new AppError('validation_failed', 'ledgerId is not the id of a ledger');
    const ledgerId = id.data;
    const r = await report({ ctx: serviceCtx(c), input: { name: name.data, ledgerId } });
    const csv = `/api/v1/reports/${r.name}?format=csv${ledgerId ? `&ledgerId=${ledgerId}` : ''}`;
    return c.html(
      <Layout title={r.title} user={c.var.principal}>
        {r.note ? <p class="muted">{r.note}</p> : null}
        <p>
          <a href={csv}>Download CSV</a> · <a href="/reports">All reports</a>
        </p>
        {r.chart && r.rows.length ? (
          <section class="card">
            <SeriesChart title={r.title} labels={r.chart.labels} series={r.chart.series} />
          </section>
        ) : null}
        <section class="card scroll">
          <table>
            <thead>
              <tr>
                {r.columns.map((h) => (
                  <th scope="col">{h.replace(/_/g, ' ')}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {r.rows.map((row) => (
                <tr>
                  {row.map((v, i) => (
                    <td class={typeof v === 'number' || /^-?\d+(\.\d+)?$/.test(String(v ?? '')) ? 'n' : ''}>
                      {cell(r, row, i)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
          {r.rows.length === 0 ? <p>Nothing to show yet.</p> : null}
        </section>
      </Layout>,
    );
  });

  app.get(`/ledgers/:id{${ID}}/credit`, async (c) => {
    const ctx = serviceCtx(c);
    const ledgerId = c.req.param('id');
    const credit = await listCredit({ ctx, input: { ledgerId } });
    const alerts = await listAlerts({ ctx, input: { ledgerId, limit: 50 } });
    return c.html(
      <Layout title="Credit control" user={c.var.principal} notice={c.req.query('notice')} error={c.req.query('error')}>
        <p class="muted">{`Default terms ${credit.policy.defaultTermsDays} days · high-risk customers pay ${credit.policy.highRiskDepositPercent}% up front · suggested limits: ${credit.method} Limits are in the ledger's base currency; what a customer owes in other currencies is shown under its balance and not counted against the limit.`}</p>
        <section class="card scroll" aria-labelledby="limits">
          <h2 id="limits">Credit limits</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Risk</th>
                <th scope="col" class="n">
                  Open
                </th>
                <th scope="col" class="n">
                  Suggested
                </th>
                <th scope="col">Limit</th>
              </tr>
            </thead>
            <tbody>
              {credit.customers.map((k) => (
                <tr>
                  <td>
                    <a href={`/customers/${k.contactId}`}>{k.name}</a>
                    {k.overLimit ? <span class="badge bad"> over limit</span> : null}
                  </td>
                  <td>
                    {k.band ?? '—'}
                    {k.depositPercent ? ` · deposit ${k.depositPercent}%` : ''}
                  </td>
                  <td class="n">
                    {money(k.openBalance, k.currency)}
                    {k.otherCurrencies.map((o) => (
                      <>
                        <br />
                        {`+ ${money(o.openBalance, o.currency)}`}
                      </>
                    ))}
                  </td>
                  <td class="n">{k.suggestedLimit ? money(k.suggestedLimit, k.currency) : '—'}</td>
                  <td>
                    <form class="inline" method="post" action={`/ui/contacts/${k.contactId}/credit-limit`}>
                      <label for={`limit-${k.contactId}`} class="skip">{`Credit limit for ${k.name}`}</label>
                      <input
                        id={`limit-${k.contactId}`}
                        name="amount"
                        inputmode="decimal"
                        size={10}
                        value={k.limit ?? ''}
                        placeholder={k.suggestedLimit ?? ''}
                        aria-label={`Credit limit for ${k.name}`}
                      />
                      <input type="hidden" name="back" value={`/ledgers/${ledgerId}/credit`} />
                      <button type="submit" class="secondary">
                        Save
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section class="card" aria-labelledby="alerts">
          <h2 id="alerts">Alerts</h2>
          <ul>
            {alerts.map((a) => (
              <li>
                {`${when(a.createdAt, 'UTC')} · ${a.contactName}: invoice ${a.invoiceNumber ?? ''} `}
                <b>{a.kind.replace('_', ' ')}</b>
              </li>
            ))}
          </ul>
          {alerts.length === 0 ? <p>No alerts.</p> : null}
        </section>
      </Layout>,
    );
  });

  app.post(`/ui/contacts/:id{${ID}}/credit-limit`, async (c) => {
    const f = await formFields(c);
    const back = /^\/ledgers\/[0-9a-f-]{36}\/credit$/.test(f.one('back')) ? f.one('back') : '/reports';
    try {
      requireRole('member', c.var.principal);
      const amount = f.one('amount');
      if (amount && !AMOUNT.test(amount)) throw new AppError('validation_failed', 'a limit looks like 5000 or 5000.00');
      await setCreditLimit({ ctx: serviceCtx(c), input: { contactId: c.req.param('id'), amount: amount || null } });
      return c.redirect(
        `${back}?notice=${encodeURIComponent(amount ? `limit set to ${amount}` : 'limit removed')}`,
        303,
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      return c.redirect(`${back}?error=${encodeURIComponent(err.message)}`, 303);
    }
  });
  return app;
}
