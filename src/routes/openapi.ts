import { type OpenAPIHono, z } from '@hono/zod-openapi';
import { PROVIDER_MODULES } from '../../connectors/registry.ts';
import { EXTERNAL_PROVIDERS } from '../../connectors/types.ts';
import { EVENT_TYPES } from '../services/outbound/events.ts';
import { AgencyCallback } from './agency-callbacks.ts';
import { CaseFileSchema } from './case-file-schema.ts';
import { SESSION_COOKIE } from '../services/sessions.ts';
import { type AppEnv, jsonBody } from './env.ts';

/**
 * What every operation of the API shares, added in one place once all sub-apps are mounted
 * (createApp): how to authenticate, the one error shape and the statuses it comes with, an
 * operationId and a tag. A route may declare its own; these fill only what it left out.
 */

const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable, for programs: validation_failed, not_found, forbidden, …'),
      message: z.string().describe('for people'),
      requestId: z.string().describe('quote it to support: it finds the request in the logs'),
      issues: z
        .array(z.object({ path: z.string(), message: z.string() }))
        .optional()
        .describe('one per bad field (validation_failed)'),
    }),
  })
  .openapi('Error');

const ERRORS: Record<string, string> = {
  '400': 'The request is invalid; `issues` names each bad field.',
  '401': 'No valid session or API token.',
  '403': 'Your role may not do this, or a ledger you are not given.',
  '404': "Not found in your firm (another firm's ids answer the same).",
  '413': 'The body is larger than this route accepts.',
  '429': 'Too many requests; retry after the Retry-After header.',
  '500': 'Unexpected error; nothing was half-done. The request id finds it in the logs.',
};

/** What each tag holds, shown by documentation tools in this order. */
const TAGS: Record<string, string> = {
  ledgers: 'Connected ledgers and their connections: sync, health, settings, risk per ledger',
  invoices: 'Mirrored invoices, searchable',
  customers: 'Mirrored customers, searchable',
  contacts: 'One customer: collection controls, risk, history',
  reminders: 'Reminder queue: approve, reject, messages sent',
  policies: 'Cadence policies and message templates',
  agencies: 'Collection agencies',
  handoffs: 'Hand-off cases to agencies',
  firm: 'Your firm: members, invitations, API tokens, outbound webhooks',
  credit: 'Credit control: limits, alerts, forecast',
  reports: 'Reports: portfolio, aging, DSO, forecast, provision',
  'webhook-events': 'Provider webhook events received (for diagnosis)',
  receivers: 'What providers and agencies call: signed, public, outside /api/v1',
  service: 'Health and readiness',
};

const words = (s: string) => s.split(/[^a-zA-Z0-9]+/).filter(Boolean);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** `GET /ledgers/{id}/risk` → `getLedgersByIdRisk`: derived, so unique and stable. */
export function operationIdOf(method: string, path: string): string {
  const parts = path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((seg) =>
      seg.startsWith('{')
        ? `By${cap(words(seg).join(''))}`
        : words(seg)
            .map((w, i) => (i ? cap(w) : cap(w)))
            .join(''),
    );
  return `${method.toLowerCase()}${parts.join('')}`;
}

/** Path segments whose operations sit under another resource's tag. */
const TAG_OF_SEGMENT: Record<string, string> = {
  connections: 'ledgers',
  'credit-alerts': 'credit',
  forecast: 'reports',
  portfolio: 'reports',
  messages: 'reminders',
  templates: 'policies',
  invites: 'firm',
  members: 'firm',
  tokens: 'firm',
  'webhook-endpoints': 'firm',
};

const tagOf = (path: string) => {
  if (!path.startsWith('/api/v1/')) return 'service';
  const first =
    path
      .replace(/^\/api\/v1/, '')
      .split('/')
      .filter(Boolean)[0] ?? '';
  return TAG_OF_SEGMENT[first] ?? first;
};

type RouteDefinition = {
  method: string;
  path: string;
  operationId?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  responses: Record<string, unknown>;
};

/** Completes every API operation registered on `app`, and declares security and the webhooks. */
export function completeContract(app: OpenAPIHono<AppEnv>) {
  const registry = app.openAPIRegistry;
  registry.registerComponent('securitySchemes', 'apiToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token of your firm (Settings → API tokens): `Authorization: Bearer odt_…`',
  });
  registry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: SESSION_COOKIE,
    description: 'A signed-in dashboard session; writes also need a same-site Origin.',
  });
  for (const d of registry.definitions) {
    if (d.type !== 'route') continue;
    const r = d.route as unknown as RouteDefinition;
    r.operationId ??= operationIdOf(r.method, r.path);
    r.tags ??= [tagOf(r.path)];
    // Health and readiness are public: no credentials, and only the errors of the service itself.
    const api = r.path.startsWith('/api/v1/');
    r.security ??= api ? [{ apiToken: [] }, { session: [] }] : [];
    for (const [status, description] of Object.entries(ERRORS))
      if (api || status === '500') r.responses[status] ??= errorResponse(description);
  }
  documentReceivers(app);
  registry.registerWebhook({
    method: 'post',
    path: 'case',
    operationId: 'agencyCase',
    summary: 'A case sent to a webhook agency, and its recall',
    description: [
      "Signed as Standard Webhooks with the agency's secret, like the events below. `case.created`",
      "carries the case file, cut to the fields the agency is allowed; `case.recalled` the case's id",
      'and reference. The agency reports progress to /agency/callbacks/{agencyId}.',
    ].join(' '),
    tags: ['handoffs'],
    security: [],
    request: {
      body: jsonBody(
        z.discriminatedUnion('type', [
          z.object({ type: z.literal('case.created'), data: CaseFileSchema }),
          z.object({ type: z.literal('case.recalled'), data: z.object({ caseId: z.string(), reference: z.string() }) }),
        ]),
      ),
    },
    responses: { '200': { description: 'Received; any 2xx will do. Anything else is retried.' } },
  });
  registry.registerWebhook({
    method: 'post',
    path: 'event',
    operationId: 'outboundEvent',
    summary: 'An event sent to your endpoint (Settings → Outbound webhooks)',
    description: [
      'Signed as Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature`',
      "(`v1,<base64 HMAC-SHA256 of id.timestamp.body>` with the endpoint's secret). Answer 2xx",
      'within 15 s; anything else is retried after 1, 4, 16 and 64 minutes, then every 4 hours, 8',
      'attempts in all. The same `id` may arrive more than once: treat it as the key.',
    ].join(' '),
    tags: ['firm'],
    // Not a call to this API: we call you, and sign it (above).
    security: [],
    request: {
      body: jsonBody(
        z
          .object({
            id: z.string().describe('evt_…, the same on every retry'),
            type: z.enum(EVENT_TYPES),
            createdAt: z.string(),
            data: z.record(z.string(), z.unknown()).describe('what happened: ids, amounts, reasons'),
          })
          .openapi('OutboundEvent'),
      ),
    },
    responses: { '200': { description: 'Received; any 2xx will do.' } },
  });
}

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
});

/**
 * The public receivers are plain routes (their signatures are checked on the raw bytes, before
 * anything parses the body), so they are described here rather than declared with a schema.
 */
function documentReceivers(app: OpenAPIHono<AppEnv>) {
  for (const provider of EXTERNAL_PROVIDERS) {
    const m = PROVIDER_MODULES[provider];
    app.openAPIRegistry.registerPath({
      method: 'post',
      path: `/webhooks/${provider}`,
      operationId: `receive${cap(provider)}Webhook`,
      tags: ['receivers'],
      summary: `${m.label} webhooks: events for the ledgers connected from ${m.label}`,
      description: [
        `Configured in the ${m.label} developer portal with this address. Verified by \`${m.webhook.signatureHeader}\``,
        `(HMAC-SHA256 of the exact body with ${m.webhook.setting}), stored, then answered within`,
        `${m.webhook.ackBudgetMs / 1000} s; processing happens afterwards. A signed body that makes no sense is`,
        'kept for review and still answered 200.',
      ].join(' '),
      security: [],
      request: {
        headers: z.object({ [m.webhook.signatureHeader]: z.string() }),
        body: {
          required: true,
          content: { 'application/json': { schema: z.object({}).passthrough().describe(`as ${m.label} sends it`) } },
        },
      },
      responses: {
        '200': { description: 'Stored (or a verification ping answered).' },
        '401': errorResponse('The signature does not match the body.'),
        '413': errorResponse('Body over 5 MB.'),
        '503': errorResponse('Not configured on this server, or too busy to store it in time: retry later.'),
      },
    });
  }
  app.openAPIRegistry.registerPath({
    method: 'post',
    path: '/agency/callbacks/{agencyId}',
    operationId: 'receiveAgencyCallback',
    tags: ['receivers'],
    summary: "An agency reports a case's progress",
    description: [
      "Signed as Standard Webhooks with the agency's secret (shown once when the agency is added):",
      '`webhook-id`, `webhook-timestamp` (within 5 minutes of now) and `webhook-signature`. The same',
      '`webhook-id` twice changes nothing the second time. An unknown agency and a bad signature',
      'answer the same 401.',
    ].join(' '),
    security: [],
    request: {
      params: z.object({ agencyId: z.uuid() }),
      headers: z.object({ 'webhook-id': z.string(), 'webhook-timestamp': z.string(), 'webhook-signature': z.string() }),
      body: jsonBody(AgencyCallback),
    },
    responses: {
      '200': {
        description: 'Applied (or already applied).',
        content: { 'application/json': { schema: z.object({ ok: z.literal(true) }).passthrough() } },
      },
      '400': errorResponse('Not JSON, or not a valid callback; `issues` names each bad field.'),
      '401': errorResponse('The signature does not verify.'),
      '413': errorResponse('Body over 256 KB.'),
    },
  });
}

/** The document's own header: title, licence, this service's address, the tags in reading order. */
export const contractInfo = (publicUrl: string) => ({
  openapi: '3.1.0',
  info: {
    title: 'overdue API',
    version: '1',
    description: 'Collections autopilot for Xero and QuickBooks Online ledgers.',
    license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
  },
  servers: [{ url: publicUrl, description: 'This service' }],
  tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
});
