import { and, eq, sql } from 'drizzle-orm';
import { forecastSnapshot, invoice, type ledger, payment, riskScore } from '../../db/schema/index.ts';
import { accuracy, forecast, type ForecastWeek, weekStart } from '../../domain/credit/forecast.ts';
import { addDays, type IsoDate, localDate } from '../../domain/dates.ts';
import { add, formatUnits, parseAmount, SCALE } from '../../domain/money.ts';
import type { ServiceContext } from '../context.ts';
import { getLedger, ledgersOf } from '../ledgers.ts';

type LedgerRow = typeof ledger.$inferSelect;

/**
 * The ledger's 13-week cash forecast made today from today's open invoices and risk scores,
 * stored once per day and never recomputed, so it can be held against what then arrives.
 */
export async function forecastFor(ctx: ServiceContext, l: LedgerRow) {
  const today = localDate(ctx.clock.now(), l.timezone);
  const [stored] = await ctx.db
    .select()
    .from(forecastSnapshot)
    .where(and(eq(forecastSnapshot.ledgerId, l.id), eq(forecastSnapshot.asOf, today)));
  let weeks: ForecastWeek[] = stored?.weeks ?? [];
  if (!stored) {
    const open = await ctx.db
      .select({
        amountDue: invoice.amountDue,
        dueDate: invoice.dueDate,
        predicted: riskScore.predictedPayDate,
        pVeryLate: riskScore.pVeryLate,
        pSevere: riskScore.pSevere,
      })
      .from(invoice)
      .leftJoin(riskScore, and(eq(riskScore.subjectType, 'invoice'), eq(riskScore.subjectId, invoice.id)))
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.status, 'open'), eq(invoice.currency, l.baseCurrency)));
    weeks = forecast(
      open
        .filter((o) => o.dueDate)
        .map((o) => ({
          amountDue: o.amountDue,
          dueDate: o.dueDate!,
          predictedPayDate: o.predicted,
          // A scored invoice without a date is one the model says will not be paid without action.
          unlikely: o.pVeryLate !== null && o.predicted === null,
          pVeryLate: Number(o.pVeryLate ?? 0),
          pSevere: Number(o.pSevere ?? 0),
        })),
      today,
    );
    await ctx.db
      .insert(forecastSnapshot)
      .values({ firmId: l.firmId, ledgerId: l.id, asOf: today, currency: l.baseCurrency, weeks })
      .onConflictDoNothing();
  }
  // Accuracy: the oldest forecast made within the last 13 weeks, against receipts since.
  const [past] = await ctx.db
    .select()
    .from(forecastSnapshot)
    .where(
      and(
        eq(forecastSnapshot.ledgerId, l.id),
        sql`${forecastSnapshot.asOf} >= ${addDays(today, -91)}`,
        sql`${forecastSnapshot.asOf} < ${addDays(today, -7)}`,
      ),
    )
    .orderBy(forecastSnapshot.asOf)
    .limit(1);
  let check = null;
  if (past) {
    const pays = await ctx.db
      .select({ date: payment.date, amount: payment.amount })
      .from(payment)
      .where(
        and(
          eq(payment.ledgerId, l.id),
          eq(payment.currency, l.baseCurrency),
          sql`${payment.status} <> 'deleted'`,
          sql`${payment.date} >= ${past.weeks[0]!.weekStart}`,
        ),
      );
    const byWeek = new Map<IsoDate, string>();
    for (const p of pays)
      byWeek.set(
        weekStart(p.date),
        formatUnits(parseAmount(byWeek.get(weekStart(p.date)) ?? '0') + parseAmount(p.amount), SCALE),
      );
    check = { madeOn: past.asOf, ...accuracy(past.weeks, byWeek, today) };
  }
  return { ledgerId: l.id, currency: l.baseCurrency, asOf: today, weeks, accuracy: check };
}

export async function ledgerForecast({ ctx, input }: { ctx: ServiceContext; input: { ledgerId: string } }) {
  return forecastFor(ctx, await getLedger(ctx, input.ledgerId));
}

/** Across the portfolio: each ledger's forecast, summed per currency (never across currencies). */
export async function portfolioForecast({ ctx }: { ctx: ServiceContext }) {
  const ledgers = await ledgersOf(ctx);
  const per = await Promise.all(ledgers.map((l) => forecastFor(ctx, l)));
  const byCurrency = new Map<string, ForecastWeek[]>();
  for (const f of per) {
    const acc = byCurrency.get(f.currency);
    byCurrency.set(
      f.currency,
      acc
        ? acc.map((w, k) => ({
            weekStart: w.weekStart,
            low: sum(w.low, f.weeks[k]!.low),
            expected: sum(w.expected, f.weeks[k]!.expected),
            high: sum(w.high, f.weeks[k]!.high),
          }))
        : f.weeks,
    );
  }
  return { ledgers: per, totals: [...byCurrency].map(([currency, weeks]) => ({ currency, weeks })) };
}
const sum = (a: string, b: string) => formatUnits(add(parseAmount(a), parseAmount(b)), SCALE);
