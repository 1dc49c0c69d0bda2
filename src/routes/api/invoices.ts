import { createRoute, z } from '@hono/zod-openapi';
import { toCsv } from '../../domain/csv.ts';
import { InvoiceListQuery, invoiceCsvRows, listInvoices } from '../../services/invoice-list.ts';
import { type AuthEnv, serviceCtx } from '../auth.ts';
import { router } from '../env.ts';

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
      request: { query: InvoiceListQuery.extend({ format: z.enum(['json', 'csv']).default('json') }) },
      responses: {
        200: {
          description: 'the invoices',
          content: {
            'application/json': {
              schema: z.object({
                total: z.number().int(),
                limit: z.number().int(),
                offset: z.number().int(),
                invoices: z.array(Invoice),
              }),
            },
            'text/csv': { schema: z.string() },
          },
        },
      },
    }),
    async (c) => {
      const { format, ...input } = c.req.valid('query');
      if (format === 'json') return c.json(await listInvoices({ ctx: serviceCtx(c), input }), 200);
      return c.body(toCsv(await invoiceCsvRows({ ctx: serviceCtx(c), input })), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': 'attachment; filename="invoices.csv"',
      });
    },
  );
  return app;
}
