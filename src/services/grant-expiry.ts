import { and, eq, gt, isNotNull, isNull, lte, or } from 'drizzle-orm';
import { moduleOf } from '../../connectors/registry.ts';
import { connection, ledger } from '../db/schema/index.ts';
import { escapeHtml } from '../domain/cadence/templates.ts';
import { emailOwners, type LedgerHealthDeps } from './ledger-health.ts';

/** Days before a grant's hard expiry at which the owners are warned, farthest first. */
const WARN_AT_DAYS = [30, 7] as const;
const DAY_MS = 86_400_000;

/**
 * Intuit refresh tokens stop working at a fixed date (five years after the consent, whatever the
 * refreshes): after it the ledger needs its owner to reconnect, and reminders stop. The owners
 * are told 30 and 7 days before, once each (a consent given again moves the date and starts
 * over). Returns the warnings sent.
 */
export async function warnExpiringGrants(deps: LedgerHealthDeps): Promise<number> {
  const now = deps.clock.now();
  const horizon = new Date(now.getTime() + WARN_AT_DAYS[0] * DAY_MS);
  const rows = await deps.db
    .select()
    .from(connection)
    .where(
      and(
        eq(connection.status, 'active'),
        isNotNull(connection.refreshHardExpiresAt),
        lte(connection.refreshHardExpiresAt, horizon),
      ),
    );
  let sent = 0;
  for (const c of rows) {
    const daysLeft = (c.refreshHardExpiresAt!.getTime() - now.getTime()) / DAY_MS;
    // The nearest warning now due: 7 once within 7 days, else 30.
    const due = [...WARN_AT_DAYS].reverse().find((d) => daysLeft <= d);
    if (due === undefined || (c.hardExpiryWarnedDays !== null && c.hardExpiryWarnedDays <= due)) continue;
    // Claimed first, so several processes send it once.
    const [claimed] = await deps.db
      .update(connection)
      .set({ hardExpiryWarnedDays: due })
      .where(
        and(
          eq(connection.id, c.id),
          or(isNull(connection.hardExpiryWarnedDays), gt(connection.hardExpiryWarnedDays, due)),
        ),
      )
      .returning({ id: connection.id });
    if (!claimed) continue;
    const ledgers = await deps.db.select({ name: ledger.name }).from(ledger).where(eq(ledger.connectionId, c.id));
    const module = moduleOf(c.provider);
    const label = module?.label ?? 'The provider';
    const names = ledgers.map((l) => l.name).join(', ') || `your ${label} ledger`;
    const why = module?.grantLifetime ?? 'the connection reaches the end of its fixed lifetime';
    const by = c.refreshHardExpiresAt!.toISOString().slice(0, 10);
    const link = deps.notices ? `${deps.notices.publicUrl}/connect/${c.provider}` : '';
    sent += await emailOwners(deps, c.firmId, {
      subject: `Reconnect ${names} before ${by}`,
      text: `${label} stops overdue's access to ${names} on ${by} (${why}). Reconnect it before then, or its reminders stop: ${link}\n`,
      html: `<p>${escapeHtml(label)} stops overdue's access to <b>${escapeHtml(names)}</b> on ${by} (${escapeHtml(why)}).</p><p><a href="${link}">Reconnect it</a> before then, or its reminders stop.</p>`,
      idempotencyKey: `grant-expiry-${c.id}-${by}-${due}`,
    });
    deps.logger.info('owners warned of a connection expiry', { connectionId: c.id, daysLeft: Math.floor(daysLeft) });
  }
  return sent;
}
