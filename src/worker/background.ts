import { eq } from 'drizzle-orm';
import { ledger } from '../db/schema/index.ts';
import type { AppDeps } from '../deps.ts';
import { warnExpiringGrants } from '../services/grant-expiry.ts';
import { rewrapSecrets } from '../services/key-rotation.ts';
import { mirrorHandlers, reconcileAll, sweepInbox, syncFailureIsFinal } from '../services/background.ts';
import { proposeForLedger } from '../services/handoff/cases.ts';
import { deliverDueCases } from '../services/handoff/deliver.ts';
import { drainInbox } from '../services/inbox.ts';
import { writeLedgerNotes } from '../services/ledger-notes.ts';
import { pruneInbox } from '../services/inbox-retention.ts';
import { deliverOutbound } from '../services/outbound/events.ts';
import { recoverStuckSending, tick } from '../services/reminders/tick.ts';
import { prefetchPayLinks } from '../services/reminders/presend.ts';
import { rescoreLedger } from '../services/risk/scoring.ts';
import { syncLedger } from '../services/sync.ts';
import type { JobMessage } from './deps.ts';

/** The Cron Triggers wrangler.toml declares, by what each runs. */
const CRONS = { tick: '* * * * *', reconcile: '*/15 * * * *', rescore: '0 3 * * *' } as const;
/** A scheduled run stops taking new work after this, well inside a Worker's limits. */
const BUDGET_MS = 20_000;

const deliverDeps = (d: AppDeps) => ({
  db: d.database.db,
  clock: d.clock,
  logger: d.logger,
  resolve: d.integrations.resolve,
  mailer: d.mailer,
  publicUrl: d.config.publicUrl,
  mailFrom: d.config.mailFrom,
});

async function activeLedgers(d: AppDeps) {
  return d.database.db.select({ id: ledger.id }).from(ledger).where(eq(ledger.status, 'active'));
}

/**
 * One Cron Trigger: every minute the reminder tick (claims use SKIP LOCKED, so overlapping runs
 * are safe) and agency deliveries; every 15 minutes reconciliation, the inbox sweep and purge, and
 * hand-off rules; nightly the risk models. Returns what it did, for the logs.
 */
export async function runScheduled(d: AppDeps, cron: string): Promise<Record<string, number>> {
  const started = Date.now();
  const out: Record<string, number> = {};
  if (cron === CRONS.tick) {
    const deps = deliverDeps(d);
    out.recovered = await recoverStuckSending(deps);
    out.claimed = 0;
    while (Date.now() - started < BUDGET_MS) {
      const r = await tick(deps);
      out.claimed += r.claimed;
      if (r.claimed === 0) break;
    }
    // Notes after the sends, in what is left of the run's budget (they wait in the lowest lane).
    out.notesWritten = 0;
    out.payLinksFetched = 0;
    while (Date.now() - started < BUDGET_MS) {
      const links = await prefetchPayLinks(deps, { limit: 50 });
      const n = await writeLedgerNotes(deps, { limit: 50 });
      out.notesWritten += n.written;
      out.payLinksFetched += links;
      if (links + n.written + n.failed + n.deferred === 0) break;
    }
    out.casesDelivered = (await deliverDueCases({ ...deps, cipher: d.cipher })).delivered;
    out.webhooksDelivered = (await deliverOutbound({ ...deps, cipher: d.cipher })).delivered;
  } else if (cron === CRONS.reconcile) {
    out.syncsQueued = await reconcileAll(d.database.db, d.jobs, d.clock.now());
    out.inboxesQueued = await sweepInbox(d.database.db, d.clock, d.jobs);
    const purged = await pruneInbox(d.database.db, d.clock, {
      retentionDays: d.config.webhookRetentionDays,
      budgetMs: 5_000,
    });
    out.inboxEventsPurged = purged.events;
    out.inboxDeliveriesPurged = purged.deliveries;
    // Workers have no start-up: a key put first is taken over by the next reconcile run.
    const rewrapped = await rewrapSecrets(d.database.db, d.cipher, d.logger);
    out.secretsRewrapped = rewrapped.connections + rewrapped.agencies + rewrapped.endpoints;
    out.expiryWarnings = await warnExpiringGrants({
      db: d.database.db,
      clock: d.clock,
      logger: d.logger,
      notices: { mailer: d.mailer, mailFrom: d.config.mailFrom, publicUrl: d.config.publicUrl },
    });
    out.casesProposed = 0;
    for (const l of await activeLedgers(d)) out.casesProposed += await proposeForLedger(deliverDeps(d), l.id);
  } else if (cron === CRONS.rescore) {
    out.ledgersRescored = 0;
    for (const l of await activeLedgers(d)) {
      if (Date.now() - started > BUDGET_MS) break;
      await rescoreLedger({ db: d.database.db, clock: d.clock }, l.id);
      out.ledgersRescored++;
    }
  }
  return out;
}

/**
 * One queued job: process a webhook account's inbox (re-fetch, upsert, rescore, replan), or sync
 * a ledger. An inbox with more events due queues itself again.
 */
export async function runJob(d: AppDeps, job: JobMessage): Promise<void> {
  const base = { db: d.database.db, clock: d.clock, logger: d.logger };
  const onChange = mirrorHandlers(base);
  if (job.kind === 'inbox') {
    // A shorter budget than on Node: one consumer invocation handles a whole batch of messages
    // within one CPU-time allowance (30 s by default).
    const run = await drainInbox({ ...base, resolve: d.integrations.resolve, onChange }, job.key, { budgetMs: 5_000 });
    if (run.more) await d.jobs.enqueueInbox(job.key);
    return;
  }
  const [row] = await d.database.db.select().from(ledger).where(eq(ledger.id, job.ledgerId));
  if (!row) return;
  try {
    const connector = await d.integrations.resolve(row);
    await syncLedger(
      { ctx: { ...base, firmId: row.firmId, actor: { type: 'system', name: 'sync' } }, input: { ledgerId: row.id } },
      connector,
      onChange,
    );
  } catch (err) {
    // The same policy as on Node (src/jobs/sync-ledger.ts): the queue retries only what may clear.
    const final = syncFailureIsFinal(err);
    d.logger.warn('ledger sync failed', { ledgerId: row.id, code: (err as { code?: string }).code, final });
    if (!final) throw err;
  }
}
