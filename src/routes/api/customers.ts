import { createRoute, z } from '@hono/zod-openapi';
import { CustomerListQuery, customerCsvRows, listCustomers } from '../../services/customer-list.ts';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { answerList, listResponses, withFormat } from './list-route.ts';

const Customer = z
  .object({
    id: z.uuid(),
    ledgerId: z.uuid(),
    ledgerName: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    currency: z.string().describe("the ledger's base currency, which openBalance is in"),
    openBalance: z.string(),
    openInvoices: z.number().int(),
    oldestOverdueDays: z.number().int().nullable(),
    otherCurrencies: z
      .number()
      .int()
      .describe('currencies besides the base one with open invoices (not in openBalance)'),
    band: z.enum(['low', 'medium', 'high']).nullable(),
    state: z.string().describe('chasing, paused until …, opted out or excluded'),
  })
  .openapi('CustomerListItem');

/** Customers across the firm's ledgers with what they owe: search, filters, sort, paging, CSV. */
export function customerRoutes() {
  const app = router<AuthEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/customers',
      summary:
        'Customers of a ledger or the portfolio with their open balance: search (name, email), filters, sort, paging; format=csv exports every page of the filter',
      request: { query: withFormat(CustomerListQuery) },
      responses: listResponses('customers', Customer, 'the customers'),
    }),
    async (c) => {
      const { format, ...input } = c.req.valid('query');
      const ctx = serviceCtx(c);
      return answerList(
        c,
        format,
        'customers.csv',
        () => listCustomers({ ctx, input }),
        () => customerCsvRows({ ctx, input }),
      );
    },
  );
  return app;
}
