import { BUCKETS } from '../../domain/reports/receivables.ts';
import { ValidationError } from '../../errors.ts';
import { CUSTOMER_SORTS, CUSTOMER_STATES, CustomerListQuery, listCustomers } from '../../services/customer-list.ts';
import { listLedgers } from '../../services/ledgers.ts';
import { money } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { Choice, LedgerChoice, listFilters, listHref, Pager, rangeText } from '../../ui/list-controls.tsx';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { zodIssues } from '../error-handler.tsx';
import { requireUiAuth } from './guard.ts';

const FILTERS = ['q', 'ledgerId', 'band', 'aging', 'state', 'owing', 'sort', 'dir', 'limit'] as const;

/**
 * The customer list: who owes what and how late, searched, filtered, sorted and paged as a plain
 * GET form (a filtered list is a link to share), with the CSV of every page of the filter.
 */
export function customerListPage() {
  const app = router<AuthEnv>();
  app.use('/customers', requireUiAuth);
  app.get('/customers', async (c) => {
    const raw = listFilters(c.req.query(), FILTERS);
    const parsed = CustomerListQuery.safeParse(raw);
    if (!parsed.success) throw new ValidationError('a filter is not valid', zodIssues(parsed.error.issues));
    const input = parsed.data;
    const ctx = serviceCtx(c);
    const list = await listCustomers({ ctx, input });
    const ledgers = await listLedgers({ ctx });
    const page = { ...list, shown: list.customers.length };
    return c.html(
      <Layout title="Customers" user={c.var.principal}>
        <search>
          <form method="get" action="/customers" class="card">
            <label>
              Search <input type="search" name="q" value={input.q ?? ''} placeholder="name or email" />
            </label>
            <LedgerChoice ledgers={ledgers} value={input.ledgerId} />
            <Choice name="band" label="Risk" value={input.band} options={['low', 'medium', 'high']} any="any risk" />
            <Choice name="aging" label="Oldest overdue" value={input.aging} options={BUCKETS} any="any age" />
            <Choice name="state" label="Chasing" value={input.state} options={CUSTOMER_STATES} any="any" />
            <Choice name="owing" label="Owing" value={input.owing} options={['yes', 'all']} />
            <Choice name="sort" label="Sort by" value={input.sort} options={CUSTOMER_SORTS} />
            <Choice name="dir" label="Order" value={input.dir} options={['desc', 'asc']} />
            <p>
              <button type="submit">Show</button> <a href="/customers">Clear</a> ·{' '}
              <a href={listHref('/api/v1/customers', raw, { format: 'csv' })}>Download CSV</a>
            </p>
          </form>
        </search>
        <section class="card scroll" aria-labelledby="found">
          <h2 id="found">{rangeText(page, 'customers')}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Customer</th>
                <th scope="col">Ledger</th>
                <th scope="col" class="n">
                  Open
                </th>
                <th scope="col" class="n">
                  Oldest overdue (days)
                </th>
                <th scope="col">Risk</th>
                <th scope="col">Chasing</th>
              </tr>
            </thead>
            <tbody>
              {list.customers.map((k) => (
                <tr>
                  <td>
                    <a href={`/customers/${k.id}`}>{k.name}</a>
                    {k.email ? <span class="muted"> {k.email}</span> : null}
                  </td>
                  <td>
                    <a href={`/ledgers/${k.ledgerId}`}>{k.ledgerName}</a>
                  </td>
                  <td class="n">
                    {`${money(k.openBalance, k.currency)} · ${k.openInvoices} open`}
                    {k.otherCurrencies
                      ? ` + ${k.otherCurrencies} other currenc${k.otherCurrencies === 1 ? 'y' : 'ies'}`
                      : ''}
                  </td>
                  <td class="n">{k.oldestOverdueDays ?? '—'}</td>
                  <td>{k.band ?? '—'}</td>
                  <td>{k.state}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager path="/customers" filters={raw} page={page} />
        </section>
      </Layout>,
    );
  });
  return app;
}
