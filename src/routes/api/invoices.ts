import { createRoute, z } from '@hono/zod-openapi';
import { InvoiceListQuery, invoiceCsvRows, listInvoices } from '../../services/invoice-list.ts';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';
import { answerList, listResponses, withFormat } from './list-route.ts';

const Invoice = z
  .object({
    id: z.uuid(),
    ledgerId: z.uuid(),
    ledgerName: z.string(),
    number: z.string().nullable(),
    contactId: z.uuid().nullable(),
    customer: z.string().nullable(),
    email: z.string().nullable(),
    currency: z.string(),
    total: z.string(),
    amountDue: z.string(),
    issueDate: z.string(),
    dueDate: z.string().nullable(),
    daysOverdue: z.number().int().nullable().describe("days past due in the ledger's zone; 0 or less: not due"),
    status: z.string(),
    band: z.enum(['low', 'medium', 'high']).nullable(),
    collection: z.string().describe('disputed, promised by …, payment plan, excluded, handed off (comma-separated)'),
  })
  .openapi('InvoiceListItem');

/** Invoices across the firm's ledgers: search, filters, sort, paging, and the same as CSV. */
export function invoiceRoutes() {
  const app = router<AuthEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/invoices',
      summary:
        'Invoices of a ledger or the portfolio: search (number, customer, email), filters, sort, paging; format=csv exports every page of the filter',
      request: { query: withFormat(InvoiceListQuery) },
      responses: listResponses('invoices', Invoice, 'the invoices'),
    }),
    async (c) => {
      const { format, ...input } = c.req.valid('query');
      const ctx = serviceCtx(c);
      return answerList(
        c,
        format,
        'invoices.csv',
        () => listInvoices({ ctx, input }),
        () => invoiceCsvRows({ ctx, input }),
      );
    },
  );
  return app;
}
