import { and, desc, eq, gte, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import {
  auditLog,
  connection,
  contact,
  handoff,
  invoice,
  type ledger,
  message,
  reminder,
  syncCursor,
} from '../db/schema/index.ts';
import { activityText } from '../domain/activity.ts';
import { addMonths, type IsoDate, localDate, zonedTimeToInstant, addDays } from '../domain/dates.ts';
import { formatUnits, parseAmount, SCALE } from '../domain/money.ts';
import { aging, type ArInvoice, dsoCountback, dsoTrend } from '../domain/reports/receivables.ts';
import type { ServiceContext } from './context.ts';
import { getLedger, ledgersOf } from './ledgers.ts';

type LedgerRow = typeof ledger.$inferSelect;

/** Invoices in the ledger's base currency from the last 13 months, as receivables reports read them. */
async function arInvoices(
  ctx: ServiceContext,
  l: LedgerRow,
  today: IsoDate,
): Promise<{ all: ArInvoice[]; open: ArInvoice[]; otherCurrencies: number }> {
  const since = addMonths(today, -13);
  const rows = await ctx.db
    .select({
      issueDate: invoice.issueDate,
      dueDate: invoice.dueDate,
      total: invoice.total,
      amountDue: invoice.amountDue,
      paidAt: invoice.paidAt,
      status: invoice.status,
      currency: invoice.currency,
    })
    .from(invoice)
    .where(
      and(
        eq(invoice.ledgerId, l.id),
        inArray(invoice.status, ['open', 'paid']),
        sql`(${invoice.status} = 'open' or ${invoice.issueDate} >= ${since})`,
      ),
    );
  const mine = rows.filter((r) => r.currency === l.baseCurrency);
  const toAr = (r: (typeof rows)[number]): ArInvoice => ({
    issueDate: r.issueDate,
    dueDate: r.dueDate,
    total: r.total,
    amountDue: r.amountDue,
    paidDate: r.status === 'paid' && r.paidAt ? localDate(r.paidAt, l.timezone) : null,
  });
  return {
    all: mine.filter((r) => r.status === 'open' || r.paidAt).map(toAr),
    open: mine.filter((r) => r.status === 'open').map(toAr),
    otherCurrencies: rows.filter((r) => r.status === 'open' && r.currency !== l.baseCurrency).length,
  };
}

/** The end of the ledger's local day, as an instant. */
const endOfDay = (today: IsoDate, tz: string) => zonedTimeToInstant(addDays(today, 1), '00:00', tz);

/**
 * One line per ledger the firm sees: overdue total, DSO, share overdue, reminders due today,
 * approvals waiting and connection health. Amounts are in each ledger's base currency.
 */
export async function portfolio({ ctx }: { ctx: ServiceContext }) {
  const ledgers = await ledgersOf(ctx);
  const out = [];
  for (const l of ledgers) {
    const today = localDate(ctx.clock.now(), l.timezone);
    const ar = await arInvoices(ctx, l, today);
    const buckets = aging(ar.open, today);
    const open = ar.open.reduce((s, i) => s + parseAmount(i.amountDue), 0n);
    const overdue = open - parseAmount(buckets.current);
    const [due] = await ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(reminder)
      .where(
        and(
          eq(reminder.ledgerId, l.id),
          inArray(reminder.status, ['scheduled', 'awaiting_approval']),
          lt(reminder.dueAt, endOfDay(today, l.timezone)),
        ),
      );
    const [waiting] = await ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(reminder)
      .where(and(eq(reminder.ledgerId, l.id), eq(reminder.status, 'awaiting_approval')));
    const [cases] = await ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(handoff)
      .where(and(eq(handoff.ledgerId, l.id), eq(handoff.status, 'pending_approval'), isNull(handoff.approvedAt)));
    out.push({
      id: l.id,
      name: l.name,
      provider: l.provider,
      currency: l.baseCurrency,
      timezone: l.timezone,
      open: formatUnits(open, SCALE),
      overdue: formatUnits(overdue, SCALE),
      overdueShare: open > 0n ? Number((overdue * 1000n) / open) / 10 : 0,
      dso: dsoCountback(ar.all, today),
      remindersDueToday: due?.n ?? 0,
      approvalsWaiting: (waiting?.n ?? 0) + (cases?.n ?? 0),
      otherCurrencies: ar.otherCurrencies,
      health: await health(ctx, l),
    });
  }
  return out;
}

/** Connection health in one word, with the reason when it is not "ok". */
async function health(
  ctx: ServiceContext,
  l: LedgerRow,
): Promise<{ state: 'ok' | 'syncing' | 'attention'; detail: string | null }> {
  if (l.status !== 'active')
    return { state: 'attention', detail: l.status === 'needs_reconnect' ? 'reconnect needed' : l.status };
  if (l.connectionId) {
    const [c] = await ctx.db
      .select({ status: connection.status })
      .from(connection)
      .where(eq(connection.id, l.connectionId));
    if (c && c.status !== 'active')
      return { state: 'attention', detail: c.status === 'needs_reconnect' ? 'reconnect needed' : c.status };
  }
  const cursors = await ctx.db.select().from(syncCursor).where(eq(syncCursor.ledgerId, l.id));
  const failing = cursors.find((c) => c.lastError);
  if (failing) return { state: 'attention', detail: `sync: ${failing.lastError}` };
  if (cursors.some((c) => c.backfillStatus !== 'done')) return { state: 'syncing', detail: 'first sync in progress' };
  return { state: 'ok', detail: null };
}

/** Everything the ledger page shows beyond the lists other services give. */
export async function ledgerOverview({ ctx, input }: { ctx: ServiceContext; input: { ledgerId: string } }) {
  const l = await getLedger(ctx, input.ledgerId);
  const today = localDate(ctx.clock.now(), l.timezone);
  const ar = await arInvoices(ctx, l, today);
  const activity = await ctx.db
    .select({ at: message.createdAt, subject: message.subject, to: message.toAddresses, status: message.status })
    .from(message)
    .where(
      and(eq(message.ledgerId, l.id), gte(message.createdAt, new Date(ctx.clock.now().getTime() - 30 * 86_400_000))),
    )
    .orderBy(desc(message.createdAt))
    .limit(15);
  // The ledger's own changes and those to its invoices and customers (disputes, promises,
  // plans, pauses, exclusions, opt-outs), newest first.
  const audits = await ctx.db
    .select({
      at: auditLog.at,
      action: auditLog.action,
      data: auditLog.data,
      invoiceNumber: invoice.number,
      contactName: contact.name,
    })
    .from(auditLog)
    .leftJoin(invoice, and(eq(auditLog.subjectType, 'invoice'), sql`${invoice.id}::text = ${auditLog.subjectId}`))
    .leftJoin(contact, and(eq(auditLog.subjectType, 'contact'), sql`${contact.id}::text = ${auditLog.subjectId}`))
    .where(
      and(
        eq(auditLog.firmId, ctx.firmId),
        or(eq(auditLog.subjectId, l.id), eq(invoice.ledgerId, l.id), eq(contact.ledgerId, l.id)),
      ),
    )
    .orderBy(desc(auditLog.at))
    .limit(15);
  const feed = [
    ...activity.map((m) => ({
      at: m.at.toISOString(),
      text: `${m.status === 'captured' ? 'Captured' : 'Sent'} “${m.subject}” to ${m.to.join(', ')}`,
    })),
    ...audits.map((a) => ({ at: a.at.toISOString(), text: activityText(a) })),
  ].sort((a, b) => (a.at < b.at ? 1 : -1));
  return {
    ledger: l,
    today,
    aging: aging(ar.open, today),
    dsoTrend: dsoTrend(ar.all, today),
    feed,
    otherCurrencies: ar.otherCurrencies,
  };
}
