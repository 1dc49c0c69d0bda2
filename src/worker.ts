import { createApp } from './app.ts';
import { loadConfig } from './config.ts';
import { openDatabase } from './db/client.ts';
import { systemClock } from './lib/clock.ts';
import { createLogger } from './lib/logger.ts';
import { createTokenCipher } from './lib/token-cipher.ts';
import { mailerFor } from './notify/mailer.ts';
import { PreconditionError } from './errors.ts';
import { createIntegrations } from './services/integrations.ts';

/**
 * Cloudflare Workers entry: the same createApp over Postgres through Hyperdrive. Migrations are
 * applied from CI or the Node entry, never from a Worker. Bindings are described in wrangler.toml.
 */
type Env = Record<string, unknown> & { HYPERDRIVE: { connectionString: string } };

async function depsFor(env: Env) {
  const vars = Object.fromEntries(Object.entries(env).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const config = loadConfig({ ...vars, DATABASE_URL: env.HYPERDRIVE.connectionString, DEMO_LEDGER: 'false' });
  // Hyperdrive pools connections itself; a Worker invocation keeps a handful at most.
  const database = await openDatabase({ url: config.databaseUrl, pgliteDir: ':memory:', maxConnections: 3 });
  if (!config.encryptionKeys) throw new PreconditionError('ENCRYPTION_KEYS must be set as a Worker secret');
  const cipher = await createTokenCipher(config.encryptionKeys);
  const logger = createLogger(config.logLevel, (l) => console.log(l));
  const clock = systemClock;
  const integrations = createIntegrations({ config, db: database.db, cipher, clock, logger });
  // Background work runs on the Node service's pg-boss workers; a Worker only serves requests.
  const jobs = {
    enqueueSync: async () => {
      throw new PreconditionError('background sync is scheduled by the Node service');
    },
    // Stored webhook events are picked up by the Node service's inbox sweep (every 30 s).
    enqueueInbox: async () => {},
  };
  return { config, database, logger, clock, cipher, integrations, jobs, mailer: mailerFor(config.smtp) };
}

export default {
  async fetch(request: Request, env: Env, ctx: { waitUntil(p: Promise<unknown>): void }) {
    const deps = await depsFor(env);
    const res = await createApp(deps).fetch(request);
    ctx.waitUntil(deps.database.close());
    return res;
  },
};
