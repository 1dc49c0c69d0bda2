import { amountSchema } from '../../domain/amount.ts';
import { CaseFileSchema } from '../case-file-schema.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { CASE_STATUSES } from '../../domain/statuses.ts';
import { HandoffRuleSchema } from '../../domain/handoff/rules.ts';
import { AGENCY_STATUSES, CASE_STAGES } from '../../domain/handoff/status.ts';
import { approveCase, approveCases } from '../../services/handoff/approve.ts';
import { assignAgency, createCase, getCase, listCases, proposeForLedger } from '../../services/handoff/cases.ts';
import { getHandoffRule, setHandoffRule } from '../../services/handoff/rules.ts';
import { exportCase, recallCase, recordStatus, redeliverCase } from '../../services/handoff/status.ts';
import { assertCanAct } from '../../services/context.ts';
import { getLedger } from '../../services/ledgers.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { jsonBody, jsonResponse, router } from '../env.ts';

const IdParam = z.object({ id: z.uuid() });
const Case = z.record(z.string(), z.unknown()).openapi('HandoffCase');
const amount = amountSchema('120.00');

/** Agency hand-off: rules, cases, approval, status, recall, exports. */
export function handoffRoutes() {
  const app = router<AuthEnv>();
  const deps = (c: { var: AuthEnv['Variables'] }) => ({
    resolve: c.var.deps.integrations.resolve,
    cipher: c.var.deps.cipher,
    fetch: c.var.deps.fetch,
  });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/ledgers/{id}/handoff-rule',
      summary: "The ledger's hand-off rule",
      request: { params: IdParam },
      responses: { 200: jsonResponse(HandoffRuleSchema, 'rule') },
    }),
    async (c) =>
      c.json(await getHandoffRule({ ctx: serviceCtx(c), input: { ledgerId: c.req.valid('param').id } }), 200),
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/ledgers/{id}/handoff-rule',
      summary: 'Set the hand-off rule: days overdue, amount, all steps sent, risk band, agency',
      request: { params: IdParam, body: jsonBody(HandoffRuleSchema) },
      responses: { 200: jsonResponse(HandoffRuleSchema, 'rule') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(
        await setHandoffRule({
          ctx: serviceCtx(c),
          input: { ledgerId: c.req.valid('param').id, rule: c.req.valid('json') },
        }),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/ledgers/{id}/handoff-rule/run',
      summary: 'Run the rule now; cases open awaiting approval',
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ proposed: z.number() }), 'proposed') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      const ctx = serviceCtx(c);
      const l = await getLedger(ctx, c.req.valid('param').id);
      assertCanAct(ctx, l.id);
      return c.json({ proposed: await proposeForLedger(ctx, l.id) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/handoffs',
      summary: 'Cases, newest first',
      request: {
        query: z.object({
          ledgerId: z.uuid().optional(),
          status: z.enum(CASE_STATUSES).optional(),
          /** Like status, with cases waiting for approval told apart from approved ones still being sent. */
          stage: z.enum(CASE_STAGES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
      responses: { 200: jsonResponse(z.object({ cases: z.array(Case) }), 'cases') },
    }),
    async (c) => c.json({ cases: await listCases({ ctx: serviceCtx(c), input: c.req.valid('query') }) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/handoffs',
      summary: 'Open a case for a customer (its overdue invoices, or the ones given); it waits for approval',
      request: {
        body: jsonBody(
          z.object({
            contactId: z.uuid(),
            invoiceIds: z.array(z.uuid()).min(1).max(500).optional(),
            agencyId: z.uuid().nullable().optional(),
            reason: z.string().max(1000).optional(),
          }),
        ),
      },
      responses: { 201: jsonResponse(Case, 'opened') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      return c.json(await createCase({ ctx: serviceCtx(c), input: c.req.valid('json') }), 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/handoffs/{id}',
      summary: 'A case with its history',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Case, 'case') },
    }),
    async (c) => c.json(await getCase({ ctx: serviceCtx(c), input: c.req.valid('param') }), 200),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/handoffs/{id}',
      summary: 'Choose the agency of a case awaiting approval',
      request: { params: IdParam, body: jsonBody(z.object({ agencyId: z.uuid() })) },
      responses: { 200: jsonResponse(Case, 'case') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      return c.json(
        await assignAgency({
          ctx: serviceCtx(c),
          input: { id: c.req.valid('param').id, agencyId: c.req.valid('json').agencyId },
        }),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/handoffs/{id}/approve',
      summary: 'Approve a case: snapshot, stop reminders, send to the agency',
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ id: z.uuid(), status: z.string() }), 'approved') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(await approveCase({ ctx: serviceCtx(c), input: c.req.valid('param') }), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/handoffs/approve',
      summary: 'Approve several cases; each is approved or refused on its own',
      request: { body: jsonBody(z.object({ ids: z.array(z.uuid()).min(1).max(200) })) },
      responses: { 200: jsonResponse(z.object({ results: z.array(z.record(z.string(), z.unknown())) }), 'results') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(await approveCases({ ctx: serviceCtx(c), input: c.req.valid('json') }), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/handoffs/{id}/status',
      summary: "Record the agency's report (acknowledged, collecting, recovered, closed) and the amount recovered",
      request: {
        params: IdParam,
        body: jsonBody(
          z.object({
            status: z.enum(AGENCY_STATUSES),
            recoveredAmount: amount.optional(),
            agencyRef: z.string().max(100).optional(),
            note: z.string().max(1000).optional(),
          }),
        ),
      },
      responses: { 200: jsonResponse(Case, 'case') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      return c.json(
        await recordStatus({ ctx: serviceCtx(c), input: { id: c.req.valid('param').id, ...c.req.valid('json') } }),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/handoffs/{id}/recall',
      summary: 'Recall a case: reminders resume, the agency is told',
      request: { params: IdParam, body: jsonBody(z.object({ reason: z.string().max(1000).optional() })) },
      responses: { 200: jsonResponse(Case, 'case') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(
        await recallCase(
          { ctx: serviceCtx(c), input: { id: c.req.valid('param').id, ...c.req.valid('json') } },
          deps(c),
        ),
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/handoffs/{id}/redeliver',
      summary: 'Send an approved case again after delivery gave up',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Case, 'case') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(await redeliverCase({ ctx: serviceCtx(c), input: c.req.valid('param') }), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/handoffs/{id}/export',
      summary: 'The case file as the agency gets it: JSON, CSV or a printable statement (HTML)',
      request: { params: IdParam, query: z.object({ format: z.enum(['json', 'csv', 'html']).default('json') }) },
      responses: {
        200: {
          description: 'the file',
          content: {
            'application/json': { schema: CaseFileSchema },
            'text/csv': { schema: z.string() },
            'text/html': { schema: z.string() },
          },
        },
      },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      const f = await exportCase({
        ctx: serviceCtx(c),
        input: { id: c.req.valid('param').id, format: c.req.valid('query').format },
      });
      const disposition = f.contentType.startsWith('text/html') ? 'inline' : 'attachment';
      // The statement is static markup: no script, no outside resources.
      return c.body(f.body, 200, {
        'content-type': f.contentType,
        'content-disposition': `${disposition}; filename="${f.filename}"`,
        'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      });
    },
  );
  return app;
}
