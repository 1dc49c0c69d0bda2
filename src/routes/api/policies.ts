import { createRoute, z } from '@hono/zod-openapi';
import { PolicySchema } from '../../domain/cadence/policy.ts';
import { createPolicy, listPolicies, setRiskBandPolicies } from '../../services/reminders/policy-admin.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { jsonBody, jsonResponse, router } from '../env.ts';

const policyRef = z.string().min(1).max(60);

/** Cadence policies: built-ins, the firm default, per-ledger policies, risk-band assignment. */
export function policyRoutes() {
  const app = router<AuthEnv>();
  app.openapi(
    createRoute({
      method: 'get',
      path: '/policies',
      summary: 'Cadence policies (built-in and your own)',
      responses: { 200: jsonResponse(z.object({ policies: z.array(z.record(z.string(), z.unknown())) }), 'policies') },
    }),
    async (c) => c.json({ policies: await listPolicies({ ctx: serviceCtx(c) }) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/policies',
      summary: 'Create a policy for the firm or one ledger',
      request: {
        body: jsonBody(
          z.intersection(PolicySchema, z.object({ ledgerId: z.uuid().optional(), isDefault: z.boolean().optional() })),
        ),
      },
      responses: { 201: jsonResponse(z.record(z.string(), z.unknown()), 'created') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(await createPolicy({ ctx: serviceCtx(c), input: c.req.valid('json') }), 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/ledgers/{id}/cadence',
      summary: 'Assign policies by risk band on a ledger',
      request: {
        params: z.object({ id: z.uuid() }),
        body: jsonBody(
          z.object({ byRiskBand: z.object({ low: policyRef, medium: policyRef, high: policyRef }).partial() }),
        ),
      },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'saved') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(
        await setRiskBandPolicies({
          ctx: serviceCtx(c),
          input: { ledgerId: c.req.valid('param').id, byRiskBand: c.req.valid('json').byRiskBand },
        }),
        200,
      );
    },
  );
  return app;
}
