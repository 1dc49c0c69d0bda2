import { and, eq } from 'drizzle-orm';
import { moduleOf } from '../../connectors/registry.ts';
import { type AccountingConnector, ConnectorError } from '../../connectors/types.ts';
import { escapeHtml } from '../domain/cadence/templates.ts';
import type { Db } from '../db/client.ts';
import { appUser, ledger, membership } from '../db/schema/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Mailer } from '../notify/mailer.ts';
import { audit } from './audit.ts';
import { emitEvent } from './outbound/events.ts';

type LedgerRow = typeof ledger.$inferSelect;

/** Who is told when a ledger needs its owners, and how. */
export type LedgerHealthDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  /** Absent: the change is recorded and shown, nobody is emailed (tools, some tests). */
  notices?: { mailer: Mailer; mailFrom: string; publicUrl: string };
};

const nameOf = (provider: string) => moduleOf(provider)?.label ?? 'the demo';

/**
 * The provider says this app may no longer reach the ledger (its admin disconnected the app, the
 * subscription lapsed). The ledger becomes `disconnected` with the reason, which stops its syncs
 * and reminders, and the firm's owners are emailed once: only the caller that changes the status
 * sends, so concurrent calls failing the same way tell them once.
 */
async function ledgerLost(deps: LedgerHealthDeps, row: LedgerRow, err: ConnectorError): Promise<void> {
  const now = deps.clock.now();
  const name = nameOf(row.provider);
  const reason = `${name} no longer lets overdue reach ${row.name} (${err.providerCode ?? `HTTP ${err.status ?? '?'}`}): reconnect it to resume reminders`;
  const [changed] = await deps.db
    .update(ledger)
    .set({ status: 'disconnected', statusReason: reason, statusChangedAt: now, updatedAt: now })
    .where(and(eq(ledger.id, row.id), eq(ledger.status, 'active')))
    .returning({ id: ledger.id });
  if (!changed) return;
  deps.logger.warn('ledger disconnected by the provider', {
    ledgerId: row.id,
    provider: row.provider,
    providerCode: err.providerCode,
  });
  await auditByProvider(deps, row, 'ledger.disconnected_by_provider', { providerCode: err.providerCode ?? null });
  await tellOwners(deps, row, reason, {
    subject: `${row.name} was disconnected from overdue`,
    idempotencyKey: `ledger-lost-${row.id}-${now.getTime()}`,
  });
}

/**
 * The provider refused the grant itself (revoked, expired, or a refresh whose answer was lost and
 * not retried within the provider's grace): the token store has made these ledgers
 * `needs_reconnect`, which stops their syncs and reminders. The firm is told what to do: the
 * reason on the ledger, an audit row, a `ledger.needs_reconnect` event to its systems, and an
 * email to its owners.
 */
export async function grantLost(deps: LedgerHealthDeps, rows: LedgerRow[]): Promise<void> {
  const now = deps.clock.now();
  for (const row of rows) {
    const reason = `${nameOf(row.provider)} no longer accepts overdue's access to ${row.name} (the grant was revoked or has expired): reconnect it to resume reminders`;
    await deps.db.update(ledger).set({ statusReason: reason }).where(eq(ledger.id, row.id));
    await auditByProvider(deps, row, 'ledger.needs_reconnect');
    await emitEvent(
      deps.db,
      row.firmId,
      'ledger.needs_reconnect',
      { ledgerId: row.id, name: row.name, provider: row.provider, reason },
      now,
    );
    await tellOwners(deps, row, reason, {
      subject: `${row.name} needs reconnecting to overdue`,
      idempotencyKey: `ledger-grant-lost-${row.id}-${now.getTime()}`,
    });
  }
}

/**
 * The provider refused calls for the day (Xero's daily limit): the ledger is parked until the
 * reset, which every process sees. Syncs, webhook reads and reminders for it wait until then.
 */
async function ledgerParked(deps: LedgerHealthDeps, row: LedgerRow, err: ConnectorError): Promise<void> {
  const now = deps.clock.now();
  const until = new Date(now.getTime() + (err.retryAfterMs ?? 3_600_000));
  const reason = `${nameOf(row.provider)}'s daily call limit for ${row.name} is used up; calls resume ${until.toISOString()}`;
  await deps.db
    .update(ledger)
    .set({ pausedUntil: until, pauseReason: reason, updatedAt: now })
    .where(eq(ledger.id, row.id));
  deps.logger.warn('ledger parked until the provider daily limit resets', {
    ledgerId: row.id,
    provider: row.provider,
    until: until.toISOString(),
  });
}

/** Whether the ledger is parked now (by this or another process). */
export const isParked = (row: Pick<LedgerRow, 'pausedUntil'>, now: Date) =>
  row.pausedUntil !== null && row.pausedUntil > now;

/** An audit row for a change the provider caused to a ledger (no person acted). */
function auditByProvider(deps: LedgerHealthDeps, row: LedgerRow, action: string, data: Record<string, unknown> = {}) {
  const ctx = { db: deps.db, firmId: row.firmId, actor: { type: 'system', name: 'provider' } as const };
  return audit(
    { ...ctx, clock: deps.clock, logger: deps.logger },
    action,
    { type: 'ledger', id: row.id },
    { provider: row.provider, ...data },
  );
}

/** Emails the firm's owners that a ledger's reminders have stopped, why, and where to reconnect it. */
async function tellOwners(
  deps: LedgerHealthDeps,
  row: LedgerRow,
  reason: string,
  mail: { subject: string; idempotencyKey: string },
) {
  if (!deps.notices) return;
  const link = `${deps.notices.publicUrl}/ledgers/${row.id}`;
  await emailOwners(deps, row.firmId, {
    ...mail,
    text: `${reason}.\n\nNo reminders are sent for ${row.name} until it is reconnected: ${link}\n`,
    html: `<p>${escapeHtml(reason)}.</p><p>No reminders are sent for <b>${escapeHtml(row.name)}</b> until it is reconnected: <a href="${link}">reconnect</a>.</p>`,
  });
}

/**
 * A notice to the firm's owners (not to a debtor: these come from overdue itself). A failed send
 * is logged, never thrown: the change it reports is already recorded and shown.
 */
export async function emailOwners(
  deps: LedgerHealthDeps,
  firmId: string,
  mail: { subject: string; text: string; html: string; idempotencyKey: string },
): Promise<number> {
  if (!deps.notices) return 0;
  const owners = await deps.db
    .select({ email: appUser.email })
    .from(membership)
    .innerJoin(appUser, eq(appUser.id, membership.userId))
    .where(and(eq(membership.firmId, firmId), eq(membership.role, 'owner')));
  if (owners.length === 0) return 0;
  const { mailer, mailFrom } = deps.notices;
  return mailer
    .send({ fromName: 'overdue', fromAddress: mailFrom, to: owners.map((o) => o.email), cc: [], ...mail })
    .then(
      () => owners.length,
      (e: Error) => {
        deps.logger.warn('owner notice not sent', { firmId, subject: mail.subject, error: e.name });
        return 0;
      },
    );
}

/**
 * The connector a ledger's callers get: a parked ledger's calls fail at once (without spending
 * the provider's patience), and the two failures that concern the whole ledger are recorded on
 * it, whoever made the call (a sync, a webhook read, a pre-send read, a note).
 */
export function guardConnector(
  deps: LedgerHealthDeps,
  row: LedgerRow,
  connector: AccountingConnector,
): AccountingConnector {
  const check = async (err: unknown) => {
    if (!(err instanceof ConnectorError)) return;
    if (err.code === 'disconnected') await ledgerLost(deps, row, err);
    else if (err.code === 'rate_limited' && err.providerCode === 'daily') await ledgerParked(deps, row, err);
  };
  return new Proxy(connector, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || prop === 'constructor') return value;
      return async (...args: unknown[]) => {
        const now = deps.clock.now();
        if (isParked(row, now))
          throw new ConnectorError('rate_limited', row.pauseReason ?? 'ledger parked', {
            provider: row.provider,
            providerCode: 'daily',
            retryAfterMs: row.pausedUntil!.getTime() - now.getTime(),
          });
        try {
          return await value.apply(target, args);
        } catch (err) {
          await check(err).catch((e: Error) =>
            deps.logger.error('ledger health not recorded', { ledgerId: row.id, error: e.name }),
          );
          throw err;
        }
      };
    },
  });
}
