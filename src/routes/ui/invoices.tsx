import { BUCKETS } from '../../domain/reports/receivables.ts';
import { ValidationError } from '../../errors.ts';
import { COLLECTION_STATES, INVOICE_SORTS, InvoiceListQuery, listInvoices } from '../../services/invoice-list.ts';
import { listLedgers } from '../../services/ledgers.ts';
import { money } from '../../ui/format.ts';
import { Layout } from '../../ui/layout.tsx';
import { Choice, LedgerChoice, listFilters, listHref, Pager, rangeText } from '../../ui/list-controls.tsx';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { zodIssues } from '../error-handler.tsx';
import { requireUiAuth } from './guard.ts';

const FILTERS = ['q', 'ledgerId', 'status', 'currency', 'aging', 'band', 'collection', 'sort', 'dir', 'limit'] as const;

/**
 * The invoice list: search, filters, sort and paging as a plain GET form (links can be shared and
 * bookmarked), and the CSV of exactly what the filter shows (every page of it).
 */
export function invoicePages() {
  const app = router<AuthEnv>();
  app.use('/invoices', requireUiAuth);
  app.get('/invoices', async (c) => {
    const raw = listFilters(c.req.query(), FILTERS);
    const parsed = InvoiceListQuery.safeParse(raw);
    if (!parsed.success) throw new ValidationError('a filter is not valid', zodIssues(parsed.error.issues));
    const input = parsed.data;
    const ctx = serviceCtx(c);
    const list = await listInvoices({ ctx, input });
    const ledgers = await listLedgers({ ctx });
    const page = { ...list, shown: list.invoices.length };
    return c.html(
      <Layout title="Invoices" user={c.var.principal}>
        <search>
          <form method="get" action="/invoices" class="card">
            <label>
              Search <input type="search" name="q" value={input.q ?? ''} placeholder="number, customer or email" />
            </label>
            <LedgerChoice ledgers={ledgers} value={input.ledgerId} />
            <Choice name="status" label="Status" value={input.status} options={['open', 'paid', 'voided', 'deleted']} />
            <label>
              Currency <input name="currency" value={input.currency ?? ''} size={4} placeholder="any" />
            </label>
            <Choice name="aging" label="Aging" value={input.aging} options={BUCKETS} any="any age" />
            <Choice name="band" label="Risk" value={input.band} options={['low', 'medium', 'high']} any="any risk" />
            <Choice
              name="collection"
              label="Collection"
              value={input.collection}
              options={COLLECTION_STATES}
              any="any"
            />
            <Choice name="sort" label="Sort by" value={input.sort} options={INVOICE_SORTS} />
            <Choice name="dir" label="Order" value={input.dir} options={['asc', 'desc']} />
            <p>
              <button type="submit">Show</button> <a href="/invoices">Clear</a> ·{' '}
              <a href={listHref('/api/v1/invoices', raw, { format: 'csv' })}>Download CSV</a>
            </p>
          </form>
        </search>
        <section class="card scroll" aria-labelledby="found">
          <h2 id="found">{rangeText(page, 'invoices')}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Invoice</th>
                <th scope="col">Customer</th>
                <th scope="col">Ledger</th>
                <th scope="col">Due</th>
                <th scope="col" class="n">
                  Days overdue
                </th>
                <th scope="col" class="n">
                  Due amount
                </th>
                <th scope="col">Risk</th>
                <th scope="col">Collection</th>
              </tr>
            </thead>
            <tbody>
              {list.invoices.map((i) => (
                <tr>
                  <td>{i.number ?? '(no number)'}</td>
                  <td>{i.contactId ? <a href={`/customers/${i.contactId}`}>{i.customer}</a> : '—'}</td>
                  <td>
                    <a href={`/ledgers/${i.ledgerId}`}>{i.ledgerName}</a>
                  </td>
                  <td>{i.dueDate ?? '—'}</td>
                  <td class="n">{i.daysOverdue !== null && i.daysOverdue > 0 ? i.daysOverdue : '—'}</td>
                  <td class="n">{money(i.amountDue, i.currency)}</td>
                  <td>{i.band ?? '—'}</td>
                  <td>{i.collection || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager path="/invoices" filters={raw} page={page} />
        </section>
      </Layout>,
    );
  });
  return app;
}
