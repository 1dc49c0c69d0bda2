import { eq, isNull } from 'drizzle-orm';
import { ledger, riskModel } from '../db/schema/index.ts';
import { reconcileAll, sweepInbox } from '../services/background.ts';
import { warnExpiringGrants } from '../services/grant-expiry.ts';
import { proposeForLedger } from '../services/handoff/cases.ts';
import { deliverDueCases } from '../services/handoff/deliver.ts';
import { pruneInbox } from '../services/inbox-retention.ts';
import { rewrapSecrets } from '../services/key-rotation.ts';
import { writeLedgerNotes } from '../services/ledger-notes.ts';
import { deliverOutbound } from '../services/outbound/events.ts';
import { prefetchPayLinks } from '../services/reminders/presend.ts';
import { recoverStuckSending, tick } from '../services/reminders/tick.ts';
import type { RunLimits, TaskDeps } from './deps.ts';
import { inLedgerFirm } from './ledger-scope.ts';

/** The Cron Triggers wrangler.toml declares (Workers); Node runs each task on its own interval. */
export const CRONS = { minute: '* * * * *', quarter: '*/15 * * * *', nightly: '0 3 * * *' } as const;

type ScheduledTask = {
  /** Node: how often it runs, from the configuration. */
  everyMs(config: TaskDeps['config']): number;
  /** Node: also once at start-up (safety nets that should not wait an interval). */
  atStart: boolean;
  /** Workers: the Cron Trigger that runs it. */
  cron: (typeof CRONS)[keyof typeof CRONS];
  /** Does the work; what it counted goes to the logs. */
  run(deps: TaskDeps, limits: RunLimits): Promise<Record<string, number>>;
};

const HOUR = 3_600_000;

const activeLedgers = (deps: TaskDeps) =>
  deps.db.select({ id: ledger.id }).from(ledger).where(eq(ledger.status, 'active'));

const deliverDeps = (deps: TaskDeps) => ({ ...deps, publicUrl: deps.config.publicUrl, mailFrom: deps.config.mailFrom });

/**
 * Every periodic task, the same on Node and Workers. Claims use SKIP LOCKED and per-ledger jobs
 * are singletons, so any number of processes (or overlapping cron runs) may run each one.
 */
export const SCHEDULED_TASKS = {
  /** Claim and send due reminders; first turn ones interrupted mid-send into needs_review. */
  reminders: {
    everyMs: (c) => c.tickIntervalMs,
    atStart: false,
    cron: CRONS.minute,
    async run(deps, limits) {
      const d = deliverDeps(deps);
      const out = { recovered: await recoverStuckSending(d), claimed: 0 };
      while (!limits.stopped()) {
        const r = await tick(d);
        out.claimed += r.claimed;
        if (r.claimed === 0) break;
      }
      return out;
    },
  },

  /**
   * Pay links for tomorrow's reminders, then queued history notes: both wait in the budget's
   * lowest lane, apart from the tick, which must never wait behind them.
   */
  ledgerNotes: {
    everyMs: (c) => c.tickIntervalMs,
    atStart: false,
    cron: CRONS.minute,
    async run(deps, limits) {
      const out = { payLinksFetched: 0, notesWritten: 0 };
      while (!limits.stopped()) {
        const links = await prefetchPayLinks(deps, { limit: 50 });
        const n = await writeLedgerNotes(deps, { limit: 50 });
        out.payLinksFetched += links;
        out.notesWritten += n.written;
        if (links + n.written + n.failed + n.deferred === 0) break;
      }
      return out;
    },
  },

  /** Approved cases to agencies and events to the firm's endpoints, both retried with backoff. */
  deliveries: {
    everyMs: () => 30_000,
    atStart: false,
    cron: CRONS.minute,
    async run(deps, limits) {
      const out = { casesDelivered: 0, webhooksDelivered: 0 };
      // Batches until nothing is due (failures are rescheduled, so this ends).
      while (!limits.stopped()) {
        const r = await deliverDueCases(deliverDeps(deps));
        out.casesDelivered += r.delivered;
        if (r.delivered + r.failed === 0) break;
      }
      while (!limits.stopped()) {
        const r = await deliverOutbound(deliverDeps(deps));
        out.webhooksDelivered += r.delivered;
        if (r.claimed === 0) break;
      }
      return out;
    },
  },

  /** Webhooks can be missed: an incremental sync of every active ledger not parked for the day. */
  reconcile: {
    everyMs: (c) => c.reconcileIntervalMs,
    atStart: true,
    cron: CRONS.quarter,
    run: async (deps) => ({ syncsQueued: await reconcileAll(deps.db, deps.jobs, deps.clock.now()) }),
  },

  /** Accounts with inbox events due: retries whose backoff passed, deliveries never queued. */
  inboxSweep: {
    everyMs: () => 30_000,
    atStart: true,
    cron: CRONS.minute,
    run: async (deps) => ({ inboxesQueued: await sweepInbox(deps.db, deps.clock, deps.jobs) }),
  },

  /** The inbox kept for `webhookRetentionDays`, no longer. */
  inboxRetention: {
    everyMs: () => HOUR,
    atStart: true,
    cron: CRONS.quarter,
    async run(deps, limits) {
      const retentionDays = deps.config.webhookRetentionDays;
      const r = await pruneInbox(deps.db, deps.clock, { retentionDays, budgetMs: limits.budgetMs });
      if (r.events || r.deliveries) deps.logger.info('webhook inbox purged', { ...r, retentionDays });
      return { inboxEventsPurged: r.events, inboxDeliveriesPurged: r.deliveries };
    },
  },

  /** Owners warned 30 and 7 days before a connection's fixed end (QuickBooks' five years). */
  grantExpiry: {
    everyMs: () => HOUR,
    atStart: true,
    cron: CRONS.quarter,
    run: async (deps) => ({
      expiryWarnings: await warnExpiringGrants({
        ...deps,
        notices: { mailer: deps.mailer, mailFrom: deps.config.mailFrom, publicUrl: deps.config.publicUrl },
      }),
    }),
  },

  /** A key put first in ENCRYPTION_KEYS takes over every stored secret, so the old one can go. */
  keyRotation: {
    everyMs: (c) => c.reconcileIntervalMs,
    atStart: true,
    cron: CRONS.quarter,
    async run(deps) {
      const r = await rewrapSecrets(deps.db, deps.cipher, deps.logger);
      return { secretsRewrapped: r.connections + r.agencies + r.endpoints };
    },
  },

  /** Each ledger's hand-off rule, under its firm's row-level security: opens cases that wait for approval. */
  handoffRules: {
    everyMs: (c) => c.reconcileIntervalMs,
    atStart: true,
    cron: CRONS.quarter,
    async run(deps, limits) {
      let casesProposed = 0;
      for (const l of await activeLedgers(deps)) {
        if (limits.stopped()) break;
        casesProposed += (await inLedgerFirm(deps.db, l.id, (db) => proposeForLedger({ ...deps, db }, l.id))) ?? 0;
      }
      return { casesProposed };
    },
  },

  /** A first model for ledgers that have none yet (a new connection). */
  riskFirstFit: {
    everyMs: (c) => c.reconcileIntervalMs,
    atStart: true,
    cron: CRONS.quarter,
    async run(deps) {
      const rows = await deps.db
        .select({ id: ledger.id })
        .from(ledger)
        .leftJoin(riskModel, eq(riskModel.ledgerId, ledger.id))
        .where(isNull(riskModel.ledgerId));
      for (const r of rows) await deps.jobs.enqueueRescore(r.id);
      return { rescoresQueued: rows.length };
    },
  },

  /** Every active ledger's risk model refitted and every score refreshed. */
  riskRefit: {
    everyMs: (c) => c.rescoreIntervalMs,
    atStart: false,
    cron: CRONS.nightly,
    async run(deps) {
      const rows = await activeLedgers(deps);
      for (const r of rows) await deps.jobs.enqueueRescore(r.id);
      return { rescoresQueued: rows.length };
    },
  },
} satisfies Record<string, ScheduledTask>;

export type ScheduledTaskName = keyof typeof SCHEDULED_TASKS;
