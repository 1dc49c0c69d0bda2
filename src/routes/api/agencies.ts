import { amountSchema } from '../../domain/amount.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { CASE_FIELDS } from '../../domain/handoff/case-file.ts';
import { createAgency, listAgencies, rotateAgencySecret, updateAgency } from '../../services/handoff/agencies.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { assertReceiverAllowed, jsonBody, jsonResponse, receiverUrl, router } from '../env.ts';

const Delivery = z.discriminatedUnion('method', [
  z.object({ method: z.literal('webhook'), url: receiverUrl }),
  z.object({ method: z.literal('email'), to: z.array(z.email()).min(1).max(5) }),
]);
const AgencyFields = z.object({
  name: z.string().min(1).max(200),
  contactEmail: z.email().nullable().optional(),
  delivery: Delivery,
  commissionRate: z
    .string()
    .regex(/^(0(\.\d{1,4})?|1(\.0{1,4})?)$/, 'a fraction between 0 and 1, like 0.25')
    .nullable()
    .optional(),
  minAmount: amountSchema('250.00').nullable().optional(),
  fieldAllowList: z
    .array(z.enum(CASE_FIELDS))
    .max(CASE_FIELDS.length)
    .default([...CASE_FIELDS]),
  dpaReference: z
    .string()
    .min(1)
    .max(200)
    .nullable()
    .optional()
    .describe('data-processing agreement reference; required before the first case is approved'),
});
const Agency = z
  .object({
    id: z.uuid(),
    name: z.string(),
    contactEmail: z.string().nullable(),
    delivery: z.record(z.string(), z.unknown()),
    commissionRate: z.string().nullable(),
    minAmount: z.string().nullable(),
    fieldAllowList: z.array(z.string()),
    dpaReference: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Agency');
const IdParam = z.object({ id: z.uuid() });

/** Collection agencies of the firm: how cases reach them, what they may see, their terms. */
export function agencyRoutes() {
  const app = router<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/agencies',
      summary: 'Agencies of the firm',
      responses: { 200: jsonResponse(z.object({ agencies: z.array(Agency) }), 'agencies') },
    }),
    async (c) => c.json({ agencies: await listAgencies({ ctx: serviceCtx(c) }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/agencies',
      summary: 'Add an agency; the signing secret is shown once',
      request: { body: jsonBody(AgencyFields) },
      responses: { 201: jsonResponse(Agency.extend({ secret: z.string() }), 'created') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const input = c.req.valid('json');
      assertReceiverAllowed(input.delivery.method === 'webhook' ? input.delivery.url : undefined, c.var.deps.config);
      return c.json(await createAgency({ ctx: serviceCtx(c), input }, c.var.deps.cipher), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/agencies/{id}',
      summary: 'Change an agency (delivery, allow-list, terms, DPA reference)',
      request: {
        params: IdParam,
        body: jsonBody(
          AgencyFields.extend({ fieldAllowList: z.array(z.enum(CASE_FIELDS)).max(CASE_FIELDS.length) }).partial(),
        ),
      },
      responses: { 200: jsonResponse(Agency, 'updated') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const delivery = c.req.valid('json').delivery;
      assertReceiverAllowed(delivery?.method === 'webhook' ? delivery.url : undefined, c.var.deps.config);
      return c.json(
        await updateAgency({ ctx: serviceCtx(c), input: { id: c.req.valid('param').id, ...c.req.valid('json') } }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/agencies/{id}/rotate-secret',
      summary: 'Issue a new signing secret (shown once); the old one stops working',
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ id: z.uuid(), secret: z.string() }), 'rotated') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(
        await rotateAgencySecret({ ctx: serviceCtx(c), input: c.req.valid('param') }, c.var.deps.cipher),
        200,
      );
    },
  );
  return app;
}
