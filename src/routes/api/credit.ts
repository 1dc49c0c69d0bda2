import { amountSchema } from '../../domain/amount.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { toCsv } from '../../domain/csv.ts';
import {
  CreditPolicySchema,
  listAlerts,
  listCredit,
  setCreditLimit,
  setCreditPolicy,
} from '../../services/credit/limits.ts';
import { ledgerForecast, portfolioForecast } from '../../services/credit/forecast.ts';
import { REPORTS, report } from '../../services/credit/reports.ts';
import {
  createEndpoint,
  deleteEndpoint,
  EVENT_TYPES,
  listDeliveries,
  listEndpoints,
} from '../../services/outbound/events.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { assertReceiverAllowed, jsonBody, jsonResponse, receiverUrl, router } from '../env.ts';

const IdParam = z.object({ id: z.uuid() });
const Any = z.record(z.string(), z.unknown());
const amount = amountSchema('5000.00');

/** Credit control: limits, policy, alerts, cash forecast, reports (JSON or CSV), outbound webhooks. */
export function creditRoutes() {
  const app = router<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/ledgers/{id}/credit',
      summary: 'Customers with open balance, limit set and suggested (with the method), risk, deposit rule',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Any, 'credit') },
    }),
    async (c) => c.json(await listCredit({ ctx: serviceCtx(c), input: { ledgerId: c.req.valid('param').id } }), 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/contacts/{id}/credit-limit',
      summary: "Set or clear a customer's credit limit (ledger base currency)",
      request: { params: IdParam, body: jsonBody(z.object({ amount: amount.nullable() })) },
      responses: { 200: jsonResponse(Any, 'limit') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      return c.json(
        await setCreditLimit({
          ctx: serviceCtx(c),
          input: { contactId: c.req.valid('param').id, amount: c.req.valid('json').amount },
        }),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/ledgers/{id}/credit-policy',
      summary: 'Default terms, deposit for high-risk customers, alerts',
      request: { params: IdParam, body: jsonBody(CreditPolicySchema) },
      responses: { 200: jsonResponse(CreditPolicySchema, 'policy') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const input = { ledgerId: c.req.valid('param').id, policy: c.req.valid('json') };
      return c.json(await setCreditPolicy({ ctx: serviceCtx(c), input }), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/credit-alerts',
      summary: 'New invoices over the limit, or for high-risk or handed-off customers',
      request: {
        query: z.object({ ledgerId: z.uuid().optional(), limit: z.coerce.number().int().min(1).max(500).default(100) }),
      },
      responses: { 200: jsonResponse(z.object({ alerts: z.array(Any) }), 'alerts') },
    }),
    async (c) => c.json({ alerts: await listAlerts({ ctx: serviceCtx(c), input: c.req.valid('query') }) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/ledgers/{id}/forecast',
      summary: '13-week receipts forecast with band, and the accuracy of an earlier forecast',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Any, 'forecast') },
    }),
    async (c) =>
      c.json(await ledgerForecast({ ctx: serviceCtx(c), input: { ledgerId: c.req.valid('param').id } }), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/forecast',
      summary: "The portfolio's 13-week forecast, per ledger and per currency",
      responses: { 200: jsonResponse(Any, 'forecast') },
    }),
    async (c) => c.json(await portfolioForecast({ ctx: serviceCtx(c) }), 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/reports/{name}',
      summary:
        'A report for a ledger or the portfolio: aging, aged-debtors, dso, cei, reminders, top-overdue, provision, forecast (JSON or CSV)',
      request: {
        params: z.object({ name: z.enum(REPORTS) }),
        query: z.object({ ledgerId: z.uuid().optional(), format: z.enum(['json', 'csv']).default('json') }),
      },
      responses: {
        200: {
          description: 'the report',
          content: { 'application/json': { schema: Any }, 'text/csv': { schema: z.string() } },
        },
      },
    }),
    async (c) => {
      const { format, ledgerId } = c.req.valid('query');
      const r = await report({ ctx: serviceCtx(c), input: { name: c.req.valid('param').name, ledgerId } });
      if (format === 'json') return c.json(r, 200);
      return c.body(toCsv([r.columns, ...r.rows]), 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="${r.name}.csv"`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook-endpoints',
      summary: "The firm's outbound webhook endpoints",
      responses: { 200: jsonResponse(z.object({ endpoints: z.array(Any) }), 'endpoints') },
    }),
    async (c) => c.json({ endpoints: await listEndpoints({ ctx: serviceCtx(c) }) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook-endpoints',
      summary: 'Add an endpoint; events are signed (Standard Webhooks) with the secret shown once',
      request: { body: jsonBody(z.object({ url: receiverUrl, events: z.array(z.enum(EVENT_TYPES)).min(1) })) },
      responses: { 201: jsonResponse(Any, 'created') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      assertReceiverAllowed(c.req.valid('json').url, c.var.deps.config);
      return c.json(await createEndpoint({ ctx: serviceCtx(c), input: c.req.valid('json') }, c.var.deps.cipher), 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/webhook-endpoints/{id}',
      summary: 'Stop sending to an endpoint; its pending retries are cancelled',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Any, 'stopped') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(await deleteEndpoint({ ctx: serviceCtx(c), input: c.req.valid('param') }), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook-endpoints/{id}/deliveries',
      summary: "An endpoint's delivery log",
      request: { params: IdParam, query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }) },
      responses: { 200: jsonResponse(z.object({ deliveries: z.array(Any) }), 'log') },
    }),
    async (c) =>
      c.json(
        {
          deliveries: await listDeliveries({
            ctx: serviceCtx(c),
            input: { endpointId: c.req.valid('param').id, limit: c.req.valid('query').limit },
          }),
        },
        200,
      ),
  );
  return app;
}
