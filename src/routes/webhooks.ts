import type { Context } from 'hono';
import { bodyLimit } from './body-limit.ts';
import { inboxWriter, keptHeaders, type StoredDelivery, type WebhookProvider } from '../../webhooks/inbox.ts';
import { PROVIDER_MODULES } from '../../connectors/registry.ts';
import { EXTERNAL_PROVIDERS } from '../../connectors/types.ts';
import { webhookSecret } from '../services/integrations.ts';
import { dbError } from '../db/client.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../lib/logger.ts';
import { type AppEnv, router } from './env.ts';

/** The Node request under @hono/node-server (its bindings); undefined on Workers. */
const nodeRequest = (c: Context<AppEnv>) => {
  const incoming = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming;
  return Array.isArray(incoming?.rawHeaders) ? { rawHeaders: incoming.rawHeaders as string[] } : undefined;
};

/** Events kept but settled on receipt because no active ledger is connected to their account. */
function logUnprocessed(logger: Logger, provider: WebhookProvider, created: StoredDelivery['created']) {
  const byAccount = new Map<string, { events: number; reason: string }>();
  for (const e of created) {
    if (!e.reason) continue; // only events settled for their account carry one
    const a = byAccount.get(e.accountRef) ?? { events: 0, reason: e.reason };
    a.events++;
    byAccount.set(e.accountRef, a);
  }
  for (const [accountRef, a] of byAccount) logger.warn('webhook events not processed', { provider, accountRef, ...a });
}

const TIMEOUT: unique symbol = Symbol('timeout');

/** Share of the acknowledgement budget a delivery may expect to wait for its commit. */
const ADMIT_SHARE = 0.5;

/** Refused deliveries, logged once per SHED_LOG_MS with their count instead of one line each. */
const SHED_LOG_MS = 10_000;
function shedCounter() {
  let count = 0;
  let loggedAt = -Infinity;
  return {
    note(logger: Logger, provider: WebhookProvider) {
      count++;
      const at = performance.now();
      if (at - loggedAt < SHED_LOG_MS) return;
      logger.warn('webhook deliveries refused with 503: the inbox is behind', { provider, refused: count });
      loggedAt = at;
      count = 0;
    },
  };
}

/**
 * One acknowledgement budget for a delivery: `within` resolves with the work's value, or with
 * TIMEOUT once the budget is spent (the work itself carries on). Storing and queueing share it,
 * and one timer serves both.
 */
function ackDeadline(ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<typeof TIMEOUT>((r) => (timer = setTimeout(() => r(TIMEOUT), ms)));
  return {
    within: <T>(work: Promise<T>): Promise<T | typeof TIMEOUT> => Promise.race([work, late]),
    clear: () => clearTimeout(timer),
  };
}

/**
 * Provider webhooks: verify the signature on the exact bytes, commit them to the inbox, answer.
 * Processing happens in a job. A validly signed body that makes no sense is kept (quarantined)
 * and still answered 200: Intuit holds back later events until one is acknowledged.
 */
export function webhookRoutes() {
  const app = router();
  const shed = shedCounter();
  app.use(
    '/webhooks/*',
    bodyLimit({
      maxSize: 5 * 1024 * 1024,
      onError: () => {
        throw new AppError('validation_failed', 'webhook body over 5 MB');
      },
    }),
  );

  for (const provider of EXTERNAL_PROVIDERS) {
    const r = PROVIDER_MODULES[provider].webhook;
    app.post(`/webhooks/${provider}`, async (c) => {
      const { deps } = c.var;
      const secret = webhookSecret(deps.config, provider);
      if (!secret) {
        deps.logger.error('webhook received but not configured', { provider, setting: r.setting });
        throw new AppError('unavailable', `${provider} webhooks are not configured on this server (${r.setting})`);
      }
      // Raw bytes first: nothing may parse (and re-serialise) the body before the signature check.
      const body = new Uint8Array(await c.req.arrayBuffer());
      if (!r.verify(secret, body, c.req.header(r.signatureHeader))) {
        deps.logger.warn('webhook signature rejected', {
          provider,
          requestId: c.get('requestId'),
          bytes: body.length,
        });
        throw new AppError('unauthenticated', `${r.signatureHeader} does not match the body`);
      }
      const parsed = r.parse(body);
      // Xero's intent-to-receive check: a signed, empty batch. Nothing to store.
      if (parsed.kind === 'events' && parsed.events.length === 0) return c.body(null, 200);

      const writer = inboxWriter(deps.database);
      // Admission: a delivery that would not commit within half the budget is refused now, while
      // a 503 is still in time. On PGlite each batch holds the event loop, so the time a request
      // waited before this handler ran is not ours to see: the other half is left for it.
      if (writer.expectedWaitMs() > r.ackBudgetMs * ADMIT_SHARE) {
        shed.note(deps.logger, provider);
        throw new AppError('unavailable', 'too many deliveries waiting to be stored; retry later');
      }
      const deadline = ackDeadline(r.ackBudgetMs);
      try {
        const stored = await deadline.within(
          writer
            .store({
              provider,
              body,
              headers: keptHeaders(nodeRequest(c) ?? c.req.raw.headers),
              events: parsed.kind === 'events' ? parsed.events : [],
              quarantine: parsed.kind === 'malformed' ? parsed.reason : undefined,
              rejected: parsed.kind === 'events' ? parsed.rejected : undefined,
              now: deps.clock.now(),
            })
            .catch((err: unknown): typeof TIMEOUT => {
              deps.logger.error('webhook not stored', {
                provider,
                requestId: c.get('requestId'),
                ...dbError(err),
              });
              return TIMEOUT;
            }),
        );
        if (stored === TIMEOUT) throw new AppError('unavailable', 'could not store the delivery; retry later');
        if (parsed.kind === 'malformed')
          deps.logger.warn('webhook quarantined', {
            provider,
            requestId: c.get('requestId'),
            reason: parsed.reason,
          });
        else if (parsed.rejected)
          deps.logger.warn('webhook events rejected', {
            provider,
            requestId: c.get('requestId'),
            reason: parsed.rejected,
          });

        logUnprocessed(deps.logger, provider, stored.created);

        // Stored is what the 2xx promises. Queueing is best effort inside what is left of the
        // budget: the inbox sweeper queues anything left in `received`.
        const accounts = new Set(stored.created.filter((e) => e.status === 'received').map((e) => e.accountRef));
        if (accounts.size > 0) {
          const queued = Promise.all(
            [...accounts].map((accountRef) => deps.jobs.enqueueInbox({ provider, accountRef })),
          ).catch((err: Error) =>
            deps.logger.warn('inbox job not queued; the sweeper will', { provider, message: err.message }),
          );
          await deadline.within(queued);
        }
        return c.body(null, 200);
      } finally {
        deadline.clear();
      }
    });
  }
  return app;
}
