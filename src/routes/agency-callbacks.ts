import { amountSchema } from '../domain/amount.ts';
import { z } from '@hono/zod-openapi';
import { bodyLimit } from './body-limit.ts';
import { AGENCY_STATUSES } from '../domain/handoff/status.ts';
import { AppError } from '../errors.ts';
import { agencySecret, findAgency } from '../services/handoff/agencies.ts';
import { applyCallback } from '../services/handoff/status.ts';
import { verifyStandardWebhook } from '../../webhooks/verify.ts';
import { type AppEnv, router } from './env.ts';
import { errorBody, zodIssues } from './error-handler.tsx';

/** What an agency sends: documented in the API contract (routes/openapi.ts) from this same schema. */
export const AgencyCallback = z
  .object({
    type: z.literal('case.status'),
    data: z.object({
      caseId: z.string().min(1).max(64).describe('our case id or reference'),
      status: z.enum(AGENCY_STATUSES),
      recoveredAmount: amountSchema('1250.00').optional(),
      agencyRef: z.string().max(100).optional(),
      note: z.string().max(1000).optional(),
    }),
  })
  .openapi('AgencyCallback');
/** Callbacks older or newer than this are refused: a captured request cannot be replayed later. */
const TOLERANCE_SECONDS = 300;

/**
 * POST /agency/callbacks/:agencyId: the agency reports a case's progress, signed with the
 * Standard Webhooks scheme and the agency's secret. A bad or missing signature (or an unknown
 * agency: the two are not told apart) answers 401 and changes nothing.
 */
export function agencyCallbackRoutes() {
  const app = router<AppEnv>();
  app.use(
    '/agency/callbacks/*',
    bodyLimit({
      maxSize: 256 * 1024,
      onError: () => {
        throw new AppError('validation_failed', 'callback body over 256 KB');
      },
    }),
  );
  app.post('/agency/callbacks/:agencyId', async (c) => {
    const { database, cipher, clock } = c.var.deps;
    const raw = new Uint8Array(await c.req.arrayBuffer());
    const id = c.req.param('agencyId');
    const ag = /^[0-9a-f-]{36}$/i.test(id) ? await findAgency(database.db, id) : null;
    const secret = ag ? await agencySecret(cipher, ag) : null;
    const headers = {
      id: c.req.header('webhook-id'),
      timestamp: c.req.header('webhook-timestamp'),
      signature: c.req.header('webhook-signature'),
    };
    if (
      !ag ||
      !secret ||
      !(await verifyStandardWebhook(secret, raw, headers, { now: clock.now(), toleranceSeconds: TOLERANCE_SECONDS }))
    ) {
      return c.json(errorBody(c, 'unauthenticated', 'signature does not verify'), 401);
    }
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(raw));
    } catch {
      return c.json(errorBody(c, 'validation_failed', 'body is not JSON'), 400);
    }
    const parsed = AgencyCallback.safeParse(json);
    if (!parsed.success)
      return c.json(errorBody(c, 'validation_failed', 'callback is invalid', zodIssues(parsed.error.issues)), 400);
    const { caseId, ...update } = parsed.data.data;
    const result = await applyCallback(database.db, ag.id, headers.id!, { caseId, ...update }, clock.now());
    return c.json({ ok: true, ...result }, 200);
  });
  return app;
}
