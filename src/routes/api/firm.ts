import { createRoute, z } from '@hono/zod-openapi';
import {
  createInvite,
  issueToken,
  listInvites,
  listMembers,
  listTokens,
  revokeInvite,
  revokeToken,
  updateMember,
} from '../../services/firm-admin.ts';
import { updateLedgerSettings } from '../../services/ledgers.ts';
import { LEDGER_NOTES } from '../../domain/ledger-settings.ts';
import { ledgerOverview, portfolio } from '../../services/portfolio.ts';
import { type AuthEnv, requireRole, serviceCtx } from '../auth.ts';
import { jsonBody, jsonResponse, router } from '../env.ts';

/** A zone this runtime knows by its IANA name. */
const IanaZone = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return zone.length <= 64;
  } catch {
    return false;
  }
}, 'not a known IANA time zone (e.g. Europe/Paris, America/Chicago)');
const IdParam = z.object({ id: z.uuid() });
const Role = z.enum(['owner', 'admin', 'member', 'viewer']);
const Any = z.record(z.string(), z.unknown());

/** The firm: portfolio figures, ledger overview and settings, members, invitations, API tokens. */
export function firmRoutes() {
  const app = router<AuthEnv>();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/portfolio',
      summary: 'Every ledger with overdue total, DSO, % overdue, reminders due today, approvals waiting, health',
      responses: { 200: jsonResponse(z.object({ ledgers: z.array(Any) }), 'portfolio') },
    }),
    async (c) => c.json({ ledgers: await portfolio({ ctx: serviceCtx(c) }) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/ledgers/{id}/overview',
      summary: 'Aging buckets, DSO trend and activity of a ledger',
      request: { params: IdParam },
      responses: { 200: jsonResponse(Any, 'overview') },
    }),
    async (c) => {
      const o = await ledgerOverview({ ctx: serviceCtx(c), input: { ledgerId: c.req.valid('param').id } });
      return c.json(
        {
          ledgerId: o.ledger.id,
          currency: o.ledger.baseCurrency,
          asOf: o.today,
          aging: o.aging,
          dsoTrend: o.dsoTrend,
          activity: o.feed,
          otherCurrencyInvoices: o.otherCurrencies,
        },
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/ledgers/{id}',
      summary: "Change a ledger's settings: safe mode, which history notes are written to it, its time zone",
      request: {
        params: IdParam,
        body: jsonBody(
          z
            .object({
              safeMode: z.boolean().optional(),
              ledgerNotes: z
                .enum(LEDGER_NOTES)
                .optional()
                .describe('history notes on the invoices: every reminder, firm/final ones and hand-offs, or none'),
              timezone: IanaZone.optional().describe(
                "the business's time zone (IANA, e.g. Europe/Paris): send windows and due dates follow it",
              ),
            })
            .refine(
              (b) => b.safeMode !== undefined || b.ledgerNotes !== undefined || b.timezone !== undefined,
              'name a setting to change',
            ),
        ),
      },
      responses: {
        200: jsonResponse(
          z.object({
            ledgerId: z.uuid(),
            safeMode: z.boolean(),
            ledgerNotes: z.enum(LEDGER_NOTES),
            timezone: z.string(),
          }),
          'updated',
        ),
      },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(
        await updateLedgerSettings({
          ctx: serviceCtx(c),
          input: { ledgerId: c.req.valid('param').id, ...c.req.valid('json') },
        }),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/members',
      summary: 'People in the firm, their roles and (for members) ledgers',
      responses: { 200: jsonResponse(z.object({ members: z.array(Any) }), 'members') },
    }),
    async (c) => c.json({ members: await listMembers({ ctx: serviceCtx(c) }) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'patch',
      path: '/members/{id}',
      summary: "Change a person's role or a member's ledgers",
      request: {
        params: IdParam,
        body: jsonBody(z.object({ role: Role.optional(), ledgerIds: z.array(z.uuid()).max(500).optional() })),
      },
      responses: { 200: jsonResponse(Any, 'updated') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(
        await updateMember(
          { ctx: serviceCtx(c), input: { userId: c.req.valid('param').id, ...c.req.valid('json') } },
          c.var.principal.role,
        ),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/invites',
      summary: 'Invitations not yet accepted',
      responses: { 200: jsonResponse(z.object({ invites: z.array(Any) }), 'invites') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json({ invites: await listInvites({ ctx: serviceCtx(c) }) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/invites',
      summary: 'Invite someone by email (a single-use link, valid 7 days)',
      request: {
        body: jsonBody(
          z.object({
            email: z.email(),
            role: Role.exclude(['owner']),
            ledgerIds: z.array(z.uuid()).max(500).optional(),
          }),
        ),
      },
      responses: {
        201: jsonResponse(
          z.object({ id: z.uuid(), email: z.string(), role: z.string(), expiresAt: z.string(), link: z.string() }),
          'invited',
        ),
      },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      const { mailer, config } = c.var.deps;
      return c.json(
        await createInvite(
          { ctx: serviceCtx(c), input: c.req.valid('json') },
          { mailer, publicUrl: config.publicUrl, mailFrom: config.mailFrom },
        ),
        201,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/invites/{id}',
      summary: 'Withdraw an invitation',
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ id: z.uuid(), revoked: z.boolean() }), 'revoked') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(await revokeInvite({ ctx: serviceCtx(c), input: c.req.valid('param') }), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/tokens',
      summary: "The firm's API tokens (never their values)",
      responses: { 200: jsonResponse(z.object({ tokens: z.array(Any) }), 'tokens') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json({ tokens: await listTokens({ ctx: serviceCtx(c) }) }, 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/tokens',
      summary: 'Create an API token (read, write or admin); its value is shown once',
      request: {
        body: jsonBody(z.object({ name: z.string().min(1).max(100), scope: z.enum(['read', 'write', 'admin']) })),
      },
      responses: {
        201: jsonResponse(
          z.object({ id: z.uuid(), name: z.string(), scope: z.string(), token: z.string() }),
          'created',
        ),
      },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(await issueToken({ ctx: serviceCtx(c), input: c.req.valid('json') }), 201);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/tokens/{id}',
      summary: 'Revoke an API token',
      request: { params: IdParam },
      responses: { 200: jsonResponse(z.object({ id: z.uuid(), revoked: z.boolean() }), 'revoked') },
    }),
    async (c) => {
      requireRole('admin', c.var.principal);
      return c.json(await revokeToken({ ctx: serviceCtx(c), input: c.req.valid('param') }), 200);
    },
  );
  return app;
}
