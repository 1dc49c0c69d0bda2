import { createRoute, z } from '@hono/zod-openapi';
import { REMINDER_STATUSES } from '../../domain/statuses.ts';
import { BUILT_IN_TEMPLATES } from '../../domain/cadence/templates.ts';
import { previewTemplate } from '../../services/reminders/templates.ts';
import {
  approveReminders,
  listMessages,
  listReminders,
  previewReminder,
  reminderEffectiveness,
} from '../../services/reminders/manage.ts';
import { rejectReminders } from '../../services/reminders/reject.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { jsonBody, jsonResponse, router } from '../env.ts';

const Rendered = z.object({ subject: z.string(), html: z.string(), text: z.string() });

/** Reminders (list, approve, preview), the message log, effectiveness, template preview. */
export function reminderRoutes() {
  const app = router<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/reminders',
      summary: 'Planned and past reminders, by due time',
      request: {
        query: z.object({
          status: z.enum(REMINDER_STATUSES).optional(),
          ledgerId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
        }),
      },
      responses: {
        200: jsonResponse(z.object({ reminders: z.array(z.record(z.string(), z.unknown())) }), 'reminders'),
      },
    }),
    async (c) => c.json({ reminders: await listReminders({ ctx: serviceCtx(c), input: c.req.valid('query') }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/reminders/approve',
      summary: 'Approve reminders waiting in safe mode (the given ids, or all of a ledger)',
      request: {
        body: jsonBody(
          z
            .object({ ids: z.array(z.uuid()).min(1).max(1000).optional(), ledgerId: z.uuid().optional() })
            .refine((b) => b.ids || b.ledgerId, 'give ids or ledgerId'),
        ),
      },
      responses: { 200: jsonResponse(z.object({ approved: z.number() }), 'approved') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      return c.json(await approveReminders({ ctx: serviceCtx(c), input: c.req.valid('json') }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/reminders/reject',
      summary:
        'Turn down reminders waiting for approval, with the reason (the given ids, or all of a ledger); the cadence moves on to its next step',
      request: {
        body: jsonBody(
          z
            .object({
              ids: z.array(z.uuid()).min(1).max(1000).optional(),
              ledgerId: z.uuid().optional(),
              reason: z.string().trim().min(1).max(500),
            })
            .refine((b) => b.ids || b.ledgerId, 'give ids or ledgerId'),
        ),
      },
      responses: { 200: jsonResponse(z.object({ rejected: z.number() }), 'rejected') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      return c.json(await rejectReminders({ ctx: serviceCtx(c), input: c.req.valid('json') }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/reminders/{id}/preview',
      summary: 'The message this reminder would send now',
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 200: jsonResponse(Rendered.extend({ to: z.string().nullable(), fromName: z.string() }), 'preview') },
    }),
    async (c) => c.json(await previewReminder({ ctx: serviceCtx(c), input: c.req.valid('param') }), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/reminders/effectiveness',
      summary: 'Per cadence step: invoices reminded and paid within 7 days',
      request: { query: z.object({ ledgerId: z.uuid().optional() }) },
      responses: {
        200: jsonResponse(
          z.object({
            steps: z.array(
              z.object({ step: z.string(), reminded: z.number(), paidWithin7Days: z.number(), rate: z.number() }),
            ),
          }),
          'effectiveness',
        ),
      },
    }),
    async (c) =>
      c.json({ steps: await reminderEffectiveness({ ctx: serviceCtx(c), input: c.req.valid('query') }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/messages',
      summary: 'Communication log and outbox (captured messages in the embedded default)',
      request: {
        query: z.object({
          ledgerId: z.uuid().optional(),
          contactId: z.uuid().optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
      responses: { 200: jsonResponse(z.object({ messages: z.array(z.record(z.string(), z.unknown())) }), 'messages') },
    }),
    async (c) => c.json({ messages: await listMessages({ ctx: serviceCtx(c), input: c.req.valid('query') }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/templates/preview',
      summary: 'Render a template (built-in key or your own text) with sample data',
      request: {
        body: jsonBody(
          z.object({
            template: z.union([
              z.enum(Object.keys(BUILT_IN_TEMPLATES) as [string, ...string[]]),
              z.object({ subject: z.string().min(1).max(200), body: z.string().min(1).max(10_000) }),
            ]),
            businessName: z.string().max(200).default('Your Business Ltd'),
            contactName: z.string().max(200).default('Alex Customer'),
          }),
        ),
      },
      responses: { 200: jsonResponse(Rendered, 'rendered') },
    }),
    async (c) => {
      const b = c.req.valid('json');
      return c.json(previewTemplate(b.template, { businessName: b.businessName, contactName: b.contactName }), 200);
    },
  );
  return app;
}
