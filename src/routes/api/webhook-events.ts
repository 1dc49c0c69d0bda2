import { EXTERNAL_PROVIDERS } from '../../../connectors/types.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { WEBHOOK_STATUSES } from '../../domain/statuses.ts';
import { getWebhookEvent, listWebhookEvents, replayWebhookEvents } from '../../services/webhook-events.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { jsonBody, jsonResponse, router } from '../env.ts';

const Status = z.enum(WEBHOOK_STATUSES);
const EventBody = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    accountRef: z.string(),
    entity: z.string(),
    entityId: z.string(),
    operation: z.string(),
    occurredAt: z.string().nullable(),
    receivedAt: z.string(),
    status: Status,
    attempts: z.number(),
    nextAttemptAt: z.string().nullable(),
    error: z.string().nullable(),
    processedAt: z.string().nullable(),
  })
  .openapi('WebhookEvent');
const Replayed = z.object({ replayed: z.number() });

/** The webhook inbox for operators: what arrived, what failed and why, and replays. */
export function webhookEventRoutes() {
  const app = router<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook-events',
      summary: "The firm's webhook events, newest first",
      request: {
        query: z.object({
          status: Status.optional(),
          provider: z.enum(EXTERNAL_PROVIDERS).optional(),
          ledgerId: z.uuid().optional(),
          before: z.iso.datetime({ offset: true }).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
      },
      responses: { 200: jsonResponse(z.object({ events: z.array(EventBody) }), 'events') },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const events = await listWebhookEvents({
        ctx: serviceCtx(c),
        input: { ...q, before: q.before ? new Date(q.before) : undefined },
      });
      return c.json({ events }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/webhook-events/{id}',
      summary: 'One webhook event with its payload',
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 200: jsonResponse(EventBody.extend({ payload: z.record(z.string(), z.unknown()) }), 'event') },
    }),
    async (c) => c.json(await getWebhookEvent({ ctx: serviceCtx(c), input: c.req.valid('param') }), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook-events/{id}/replay',
      summary: 'Process one event again',
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 202: jsonResponse(Replayed, 'queued') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const r = await replayWebhookEvents(
        { ctx: serviceCtx(c), input: { kind: 'one', id: c.req.valid('param').id } },
        c.var.deps.jobs,
      );
      return c.json(r, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook-events/replay',
      summary: 'Process again every event received in [from, to), optionally of one status or ledger',
      request: {
        body: jsonBody(
          z.object({
            from: z.iso.datetime({ offset: true }),
            to: z.iso.datetime({ offset: true }),
            status: Status.optional(),
            ledgerId: z.uuid().optional(),
          }),
        ),
      },
      responses: { 202: jsonResponse(Replayed, 'queued') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const b = c.req.valid('json');
      const input = {
        kind: 'range' as const,
        from: new Date(b.from),
        to: new Date(b.to),
        status: b.status,
        ledgerId: b.ledgerId,
      };
      return c.json(await replayWebhookEvents({ ctx: serviceCtx(c), input }, c.var.deps.jobs), 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/webhook-events/requeue-dead',
      summary: 'Requeue every dead-lettered event (optionally of one ledger)',
      request: {
        body: {
          required: false,
          content: { 'application/json': { schema: z.object({ ledgerId: z.uuid().optional() }) } },
        },
      },
      responses: { 202: jsonResponse(Replayed, 'queued') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const b = (c.req.valid('json') as { ledgerId?: string } | undefined) ?? {};
      return c.json(
        await replayWebhookEvents(
          { ctx: serviceCtx(c), input: { kind: 'dead', ledgerId: b.ledgerId } },
          c.var.deps.jobs,
        ),
        202,
      );
    },
  );
  return app;
}
