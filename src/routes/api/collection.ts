import { amountSchema } from '../../domain/amount.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { setContactCollection, setInvoiceCollection } from '../../services/reminders/manage.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { jsonBody, jsonResponse, router } from '../env.ts';

const date = z.iso.date();
const amount = amountSchema();

/** Per-invoice and per-contact collection controls; every change replans the contact. */
export function collectionRoutes() {
  const app = router<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/invoices/{id}/collection',
      summary: 'Dispute, promise-to-pay, payment plan or exclusion for an invoice (null clears)',
      request: {
        params: z.object({ id: z.uuid() }),
        body: jsonBody(
          z.object({
            dispute: z
              .object({ reason: z.string().min(1).max(500) })
              .nullable()
              .optional(),
            promiseToPayUntil: date.nullable().optional(),
            paymentPlan: z
              .array(z.object({ dueDate: date, amount }))
              .min(1)
              .max(60)
              .nullable()
              .optional(),
            excluded: z.boolean().optional(),
          }),
        ),
      },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), 'collection state') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      return c.json(
        await setInvoiceCollection({
          ctx: serviceCtx(c),
          input: { invoiceId: c.req.valid('param').id, ...c.req.valid('json') },
        }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'patch',
      path: '/contacts/{id}/collection',
      summary: 'Pause, exclude, opt out, or assign a cadence policy to a contact',
      request: {
        params: z.object({ id: z.uuid() }),
        body: jsonBody(
          z.object({
            pausedUntil: z.iso.datetime({ offset: true }).nullable().optional(),
            excluded: z.boolean().optional(),
            optedOut: z.boolean().optional(),
            policyId: z.uuid().nullable().optional(),
          }),
        ),
      },
      responses: { 200: jsonResponse(z.object({ contactId: z.uuid(), replanned: z.boolean() }), 'updated') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      const b = c.req.valid('json');
      const input = {
        contactId: c.req.valid('param').id,
        ...b,
        pausedUntil: b.pausedUntil === undefined ? undefined : b.pausedUntil === null ? null : new Date(b.pausedUntil),
      };
      return c.json(await setContactCollection({ ctx: serviceCtx(c), input }), 200);
    },
  );
  return app;
}
