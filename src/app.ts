import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { AppDeps } from './deps.ts';
import { onError, onNotFound } from './routes/error-handler.tsx';
import { type AppEnv, validationHook } from './routes/env.ts';
import { ledgerRoutes } from './routes/api/ledgers.ts';
import { requireAuth } from './routes/auth.ts';
import { devAuthRoutes } from './routes/dev-auth.ts';
import { healthRoutes } from './routes/health.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { webhookEventRoutes } from './routes/api/webhook-events.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { collectionRoutes } from './routes/api/collection.ts';
import { policyRoutes } from './routes/api/policies.ts';
import { reminderRoutes } from './routes/api/reminders.ts';
import { riskRoutes } from './routes/api/risk.ts';
import { unsubscribeRoutes } from './routes/unsubscribe.ts';
import { agencyCallbackRoutes } from './routes/agency-callbacks.ts';
import { agencyRoutes } from './routes/api/agencies.ts';
import { handoffRoutes } from './routes/api/handoffs.ts';
import { firmRoutes } from './routes/api/firm.ts';
import { creditRoutes } from './routes/api/credit.ts';
import { invoiceRoutes } from './routes/api/invoices.ts';
import { customerRoutes } from './routes/api/customers.ts';
import { outboxPage } from './routes/ui/outbox.tsx';
import { invoicePages } from './routes/ui/invoices.tsx';
import { customerListPage } from './routes/ui/customers.tsx';
import { reminderPage } from './routes/ui/reminder.tsx';
import { uiActions } from './routes/ui/actions.ts';
import { completeContract, contractInfo } from './routes/openapi.ts';
import { messagePage } from './routes/ui/message.tsx';
import { mountApiDocs } from './routes/ui/api-docs.tsx';
import { customerPage } from './routes/ui/customer.tsx';
import { portfolioPages } from './routes/ui/portfolio.tsx';
import { settingsPages } from './routes/ui/settings.tsx';
import { signinPage } from './routes/ui/signin.tsx';
import { signInRoutes } from './routes/signin-oauth.ts';
import { invitePages } from './routes/ui/invite.tsx';
import { reportPages } from './routes/ui/reports.tsx';
import { connectionPages } from './routes/ui/connections.tsx';
import { limitBody, pageSecurityHeaders } from './routes/security.ts';
import { requestLog } from './routes/request-log.ts';
import { FailureLimiter } from './lib/failure-limiter.ts';

const API_BODY_MAX = 1024 * 1024;
const FORM_BODY_MAX = 256 * 1024;

/** Ten failed credential checks a minute per address, then 429 until the minute is over. */
export const authFailureLimiter = (clock: AppDeps['clock']) =>
  new FailureLimiter({ max: 10, windowMs: 60_000, now: () => clock.now().getTime() });

/** The whole HTTP surface, from injected dependencies; node.ts, worker.ts and tests all call this. */
export function createApp(deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
  const authFailures = deps.authFailures ?? authFailureLimiter(deps.clock);
  app.use('*', requestId({ limitLength: 128 }));
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    c.set('authFailures', authFailures);
    await next();
  });
  app.use('*', requestLog);
  app.onError(onError);
  app.notFound(onNotFound);
  // Pages carry no script and are never framed; every answer says what it is and keeps its referrer.
  app.use('*', pageSecurityHeaders);

  // Public routes (health, provider webhooks, OAuth callbacks) are mounted before any auth middleware.
  app.route('/', healthRoutes());
  app.route('/', oauthRoutes());
  app.route('/', webhookRoutes());
  app.route('/', unsubscribeRoutes());
  app.route('/', agencyCallbackRoutes());
  // The demo's one-click sign-in: the embedded default only (never a service configured with a
  // database of its own), and only for a browser on this machine (see devAuthRoutes).
  if (deps.config.demo.enabled && deps.config.env !== 'production' && !deps.config.databaseUrl)
    app.route('/', devAuthRoutes());
  app.route('/', signinPage());
  app.route('/', signInRoutes());

  // Bodies are bounded before anything reads them: a JSON request or a dashboard form is small;
  // the history import (a CSV) has its own, larger bound on its route.
  app.use(
    '/api/v1/*',
    limitBody(API_BODY_MAX, (path) => path.endsWith('/history-imports')),
  );
  app.use('/ui/*', limitBody(FORM_BODY_MAX));

  // Everything under /api/v1 needs a session or an API token and is scoped to that firm.
  app.use('/api/v1/*', async (c, next) => {
    if (c.req.path === '/api/v1/openapi.json' || c.req.path === '/api/v1/docs') return next();
    return requireAuth(c as never, next);
  });
  app.route('/api/v1', ledgerRoutes());
  app.route('/api/v1', webhookEventRoutes());
  app.route('/api/v1', reminderRoutes());
  app.route('/api/v1', collectionRoutes());
  app.route('/api/v1', policyRoutes());
  app.route('/api/v1', riskRoutes());
  app.route('/api/v1', agencyRoutes());
  app.route('/api/v1', handoffRoutes());
  app.route('/api/v1', firmRoutes());
  app.route('/api/v1', creditRoutes());
  app.route('/api/v1', invoiceRoutes());
  app.route('/api/v1', customerRoutes());
  // The dashboard: server-rendered pages and their forms (session cookie, same-site Origin).
  app.route('/', outboxPage());
  app.route('/', invoicePages());
  app.route('/', customerListPage());
  app.route('/', reminderPage());
  app.route('/', messagePage());
  app.route('/', portfolioPages());
  app.route('/', customerPage());
  app.route('/', settingsPages());
  app.route('/', uiActions());
  app.route('/', invitePages());
  app.route('/', reportPages());
  app.route('/', connectionPages());
  completeContract(app);
  mountApiDocs(app, contractInfo(deps.config.publicUrl));
  app.doc31('/api/v1/openapi.json', contractInfo(deps.config.publicUrl));
  return app;
}

export type App = ReturnType<typeof createApp>;
