import type { Context, Next } from 'hono';
import type { Db } from '../db/client.ts';
import { asFirm } from '../db/isolation.ts';
import type { JobQueue } from '../services/jobs.ts';
import type { AuthEnv } from './auth.ts';

const FAILED = Symbol('request failed');

/**
 * Runs the rest of a signed-in request in one transaction under row-level security for the
 * principal's firm (db/isolation.ts `asFirm`): a query that forgets its firm filter still sees and
 * changes this firm's rows only. A request that fails leaves nothing half-written. The jobs it
 * asks for, and its calls to providers (`onceCommitted`), run once it has committed: a job never
 * looks for rows it cannot see yet, a token refreshed at the provider is never rolled back, and on
 * PGlite's one connection nothing waits for the transaction it runs in.
 */
export async function firmScoped(c: Context<AuthEnv>, next: Next): Promise<void> {
  // A path under two guarded prefixes passes here twice: the outer transaction serves both.
  if (c.var.firmScoped) return next();
  const deps = c.var.deps;
  const afterCommit: ((db: Db) => Promise<void>)[] = [];
  const jobs: JobQueue = {
    enqueueSync: async (ledgerId) => void afterCommit.push(() => deps.jobs.enqueueSync(ledgerId)),
    enqueueInbox: async (key) => void afterCommit.push(() => deps.jobs.enqueueInbox(key)),
    enqueueRescore: async (ledgerId) => void afterCommit.push(() => deps.jobs.enqueueRescore(ledgerId)),
  };
  c.set('afterCommit', (fn) => void afterCommit.push(fn));
  try {
    await asFirm(deps.database.db, c.var.principal.firmId, async (tx) => {
      c.set('deps', { ...deps, database: { ...deps.database, db: tx }, jobs });
      c.set('firmScoped', true);
      await next();
      // The error handler has answered already; what the request wrote goes with it.
      if (c.error) throw FAILED;
    });
  } catch (err) {
    if (err === FAILED) return;
    throw err;
  }
  for (const fn of afterCommit) await fn(deps.database.db);
}
