import { createRoute, z } from '@hono/zod-openapi';
import { bodyLimit } from '../body-limit.ts';
import { ValidationError } from '../../errors.ts';
import { getContactRisk, importHistory, listImports, listLedgerRisk, rescoreNow } from '../../services/risk/manage.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { jsonResponse, router } from '../env.ts';

const Score = z
  .object({
    pLate: z.number().describe('probability of paying after the due date'),
    pVeryLate: z.number().describe('probability of paying more than 10 days late'),
    pSevere: z.number().describe('probability of paying more than 30 days late, or not at all'),
    band: z.enum(['low', 'medium', 'high']),
    predictedPayDate: z
      .string()
      .nullable()
      .describe('median pay date of an open invoice; null for a customer, or when unlikely to pay without action'),
    payDateFrom: z.string().nullable().describe('10 % of such invoices are paid before this date'),
    payDateTo: z.string().nullable().describe('90 % are paid by this date; null when later than the history shows'),
    pPaidWithin90: z.number().nullable().describe('chance of payment within 90 days from today'),
    reasons: z.array(z.object({ code: z.string(), text: z.string() })),
    modelVersion: z.string(),
    computedAt: z.string(),
  })
  .openapi('RiskScore');
const Evaluation = z
  .object({
    testedFrom: z.string().describe('invoices issued after this date were scored by a model fitted before it'),
    n: z.number().int().describe('invoices tested (outcome known)'),
    auc: z.number().describe('chance that a late payer is ranked above a punctual one (0.5 = guessing)'),
    brier: z.number(),
    logLoss: z.number(),
    baselineAuc: z.number().describe("AUC of the customer's prior late ratio on the same invoices"),
    calibration: z.array(
      z.object({ from: z.number(), to: z.number(), n: z.number().int(), predicted: z.number(), observed: z.number() }),
    ),
  })
  .openapi('RiskModelEvaluation');
const IdParam = z.object({ id: z.uuid() });
const MAX_CSV_BYTES = 20 * 1024 * 1024;

/** Risk scores (ledger worklist, one customer), rescoring now, and history CSV import. */
export function riskRoutes() {
  const app = router<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/ledgers/{id}/risk',
      summary: "A ledger's customers by risk, riskiest first",
      request: {
        params: IdParam,
        query: z.object({
          band: z.enum(['low', 'medium', 'high']).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          offset: z.coerce.number().int().min(0).default(0),
        }),
      },
      responses: {
        200: jsonResponse(
          z.object({
            model: z
              .object({
                version: z.string(),
                fittedAt: z.string(),
                evaluation: Evaluation.nullable().describe('null until the ledger has enough settled history'),
              })
              .nullable(),
            bands: z.object({ high: z.number().int(), medium: z.number().int(), low: z.number().int() }),
            contacts: z.array(
              Score.extend({
                contactId: z.uuid(),
                name: z.string(),
                openInvoices: z.number(),
                overdueInvoices: z.number(),
              }),
            ),
          }),
          'scores',
        ),
      },
    }),
    async (c) =>
      c.json(
        await listLedgerRisk({
          ctx: serviceCtx(c),
          input: { ledgerId: c.req.valid('param').id, ...c.req.valid('query') },
        }),
        200,
      ),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/contacts/{id}/risk',
      summary: "A customer's risk with reasons, and each open invoice's",
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          z.object({
            contactId: z.uuid(),
            name: z.string(),
            score: Score.nullable(),
            invoices: z.array(
              z.object({
                invoiceId: z.uuid(),
                number: z.string().nullable(),
                dueDate: z.string().nullable(),
                amountDue: z.string(),
                currency: z.string(),
                score: Score.nullable(),
              }),
            ),
          }),
          'scores',
        ),
      },
    }),
    async (c) =>
      c.json(await getContactRisk({ ctx: serviceCtx(c), input: { contactId: c.req.valid('param').id } }), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/ledgers/{id}/risk/rescore',
      summary: "Refit the ledger's model and rescore every customer and open invoice now",
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          z.object({ ledgerId: z.uuid(), modelVersion: z.string(), contacts: z.number(), invoices: z.number() }),
          'rescored',
        ),
      },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      return c.json(await rescoreNow({ ctx: serviceCtx(c), input: { ledgerId: c.req.valid('param').id } }), 200);
    },
  );

  app.use(
    '/ledgers/:id/history-imports',
    bodyLimit({
      maxSize: MAX_CSV_BYTES,
      onError: () => {
        throw new ValidationError(`the file is larger than ${MAX_CSV_BYTES / 1024 / 1024} MB`);
      },
    }),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/ledgers/{id}/history-imports',
      summary:
        'Import invoice history (CSV: customer_id, invoice_id, issue_date, due_date, amount, currency?, paid_date, disputed?); all rows or none',
      request: {
        params: IdParam,
        query: z.object({ filename: z.string().max(200).optional() }),
        body: { required: true, content: { 'text/csv': { schema: z.string() } } },
      },
      responses: {
        201: jsonResponse(
          z.object({ importId: z.uuid(), rows: z.number(), replaced: z.number(), modelVersion: z.string() }),
          'imported',
        ),
      },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      const type = c.req.header('content-type') ?? '';
      if (!/^text\/(csv|plain)\b/i.test(type)) throw new ValidationError('send the file as text/csv');
      const csv = await c.req.text();
      const input = { ledgerId: c.req.valid('param').id, csv, filename: c.req.valid('query').filename };
      return c.json(await importHistory({ ctx: serviceCtx(c), input }), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/ledgers/{id}/history-imports',
      summary: 'Past history imports of a ledger',
      request: { params: IdParam },
      responses: {
        200: jsonResponse(
          z.object({
            imports: z.array(
              z.object({ id: z.uuid(), filename: z.string().nullable(), rows: z.number(), createdAt: z.string() }),
            ),
          }),
          'imports',
        ),
      },
    }),
    async (c) =>
      c.json({ imports: await listImports({ ctx: serviceCtx(c), input: { ledgerId: c.req.valid('param').id } }) }, 200),
  );
  return app;
}
