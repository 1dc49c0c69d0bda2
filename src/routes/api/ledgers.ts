import { createRoute, z } from '@hono/zod-openapi';
import { disconnectConnection, disconnectLedger } from '../../services/disconnect.ts';
import { getLedger, listLedgers } from '../../services/ledgers.ts';
import { assertCanAct } from '../../services/context.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { jsonResponse, router } from '../env.ts';

const SyncState = z.object({
  resource: z.string(),
  status: z.string(),
  pagesDone: z.number(),
  pagesEstimated: z.number().nullable(),
  itemsDone: z.number(),
  lastRunAt: z.string().nullable(),
  lastError: z.string().nullable(),
});
const LedgerBody = z
  .object({
    id: z.uuid(),
    provider: z.string(),
    name: z.string(),
    baseCurrency: z.string(),
    timezone: z.string(),
    timezoneGuessed: z.boolean().openapi({
      description: 'The provider did not say the zone; it was guessed from the country. Confirm or correct it.',
    }),
    country: z.string().nullable(),
    status: z.string(),
    statusReason: z.string().nullable().openapi({ description: 'Why the ledger is not active, and what to do' }),
    pausedUntil: z.string().nullable().openapi({
      description: 'The provider refuses calls until then (its daily limit); nothing is lost, work resumes',
    }),
    pauseReason: z.string().nullable(),
    providerNotice: z.string().nullable().openapi({
      description:
        "The provider refuses this service's own app credentials: syncing waits for the operator; the customer has nothing to do",
    }),
    safeMode: z.boolean(),
    sync: z.array(SyncState),
  })
  .openapi('Ledger');
const IdParam = z.object({ id: z.uuid() });

/** /api/v1/ledgers and /api/v1/connections: list, sync now, disconnect, purge. */
export function ledgerRoutes() {
  const app = router<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/ledgers',
      summary: 'Ledgers of the firm',
      responses: { 200: jsonResponse(z.object({ ledgers: z.array(LedgerBody) }), 'ledgers') },
    }),
    async (c) => c.json({ ledgers: await listLedgers({ ctx: serviceCtx(c) }) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/ledgers/{id}/sync',
      summary: 'Queue an incremental sync now',
      request: { params: IdParam },
      responses: { 202: jsonResponse(z.object({ queued: z.literal(true) }), 'queued') },
    }),
    async (c) => {
      requireRole('member', c.var.principal);
      const ctx = serviceCtx(c);
      const ledger = await getLedger(ctx, c.req.valid('param').id);
      assertCanAct(ctx, ledger.id);
      await c.var.deps.jobs.enqueueSync(ledger.id);
      return c.json({ queued: true as const }, 202);
    },
  );

  const Purged = z.object({
    invoices: z.number(),
    payments: z.number(),
    creditNotes: z.number(),
    contacts: z.number(),
  });
  const Disconnected = z.object({ ledgerId: z.uuid(), grantRevoked: z.boolean(), purged: Purged.nullable() });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/ledgers/{id}/disconnect',
      summary: 'Disconnect one ledger (its organisation only); keep or purge its data',
      request: {
        params: IdParam,
        body: {
          required: false,
          content: { 'application/json': { schema: z.object({ purge: z.boolean().default(false) }) } },
        },
      },
      responses: { 200: jsonResponse(Disconnected, 'disconnected') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const purge = (c.req.valid('json') ?? { purge: false }).purge;
      const input = { ledgerId: c.req.valid('param').id, purge };
      return c.json(await disconnectLedger({ ctx: serviceCtx(c), input }, c.var.deps), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/ledgers/{id}/purge',
      summary: "Delete a ledger's mirrored data; it is disconnected, so no sync brings the data back",
      request: { params: IdParam },
      responses: { 200: jsonResponse(Purged, 'purged') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const input = { ledgerId: c.req.valid('param').id, purge: true };
      const done = await disconnectLedger({ ctx: serviceCtx(c), input }, c.var.deps);
      return c.json(done.purged!, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/connections/{id}/disconnect',
      summary: 'Disconnect a provider grant (revoke at the provider); keep or purge data',
      request: {
        params: IdParam,
        body: {
          required: false,
          content: { 'application/json': { schema: z.object({ purge: z.boolean().default(false) }) } },
        },
      },
      responses: {
        200: jsonResponse(
          z.object({ connectionId: z.uuid(), ledgers: z.array(z.uuid()), purged: z.boolean() }),
          'disconnected',
        ),
      },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const body = c.req.valid('json') ?? { purge: false };
      const result = await disconnectConnection(
        { ctx: serviceCtx(c), input: { connectionId: c.req.valid('param').id, purge: body.purge } },
        c.var.deps,
      );
      return c.json(result, 200);
    },
  );
  return app;
}
