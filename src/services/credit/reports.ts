import { and, eq, inArray, sql } from 'drizzle-orm';
import { collectionState, contact, invoice, type ledger, riskScore } from '../../db/schema/index.ts';
import { PROVISION_METHOD, provision } from '../../domain/credit/provision.ts';
import { addDays, addMonths, type IsoDate, localDate } from '../../domain/dates.ts';
import { add, formatUnits, parseAmount, SCALE } from '../../domain/money.ts';
import { cei } from '../../domain/reports/cei.ts';
import { aging, type ArInvoice, BUCKETS, dsoTrend } from '../../domain/reports/receivables.ts';
import { queryRows } from '../../db/client.ts';
import type { ServiceContext } from '../context.ts';
import { ledgersOf } from '../ledgers.ts';
import { agedDebtors } from './aged-debtors.ts';
import { forecastFor, portfolioForecast } from './forecast.ts';

type LedgerRow = typeof ledger.$inferSelect;
export type Report = {
  name: string;
  title: string;
  note?: string;
  columns: string[];
  /** Columns holding amounts in the row's `currency` column (formatted for people on pages; raw in CSV). */
  money?: string[];
  rows: (string | number | null)[][];
  chart: { labels: string[]; series: { name: string; values: number[] }[] } | null;
};
export const REPORTS = [
  'aging',
  'aged-debtors',
  'dso',
  'cei',
  'reminders',
  'top-overdue',
  'provision',
  'forecast',
] as const;
export type ReportName = (typeof REPORTS)[number];

/**
 * The ledger's receivables: open invoices and those paid in the last 13 months, in one currency
 * or (null) in every currency, each saying its own.
 */
async function arOf(
  ctx: ServiceContext,
  l: LedgerRow,
  today: IsoDate,
  currency: string | null,
): Promise<(ArInvoice & { currency: string })[]> {
  const rows = await ctx.db
    .select({
      currency: invoice.currency,
      issueDate: invoice.issueDate,
      dueDate: invoice.dueDate,
      total: invoice.total,
      amountDue: invoice.amountDue,
      paidAt: invoice.paidAt,
      status: invoice.status,
    })
    .from(invoice)
    .where(
      and(
        eq(invoice.ledgerId, l.id),
        currency ? eq(invoice.currency, currency) : undefined,
        inArray(invoice.status, ['open', 'paid']),
        sql`(${invoice.status} = 'open' or ${invoice.issueDate} >= ${addMonths(today, -13)})`,
      ),
    );
  return rows
    .filter((r) => r.status === 'open' || r.paidAt)
    .map((r) => ({
      currency: r.currency,
      issueDate: r.issueDate,
      dueDate: r.dueDate,
      total: r.total,
      amountDue: r.amountDue,
      paidDate: r.status === 'paid' ? localDate(r.paidAt!, l.timezone) : null,
    }));
}

const num = (s: string) => Number(s);

/**
 * Amounts in different currencies cannot be ranked against each other without rates: rows are
 * ranked within their currency (largest first, `limit` each), the currency with most rows first.
 * No currency's money is left out.
 */
function rankedByCurrency(rows: Report['rows'], currencyAt: number, amountAt: number, limit = Infinity) {
  const groups = new Map<string, Report['rows']>();
  for (const r of rows) groups.set(String(r[currencyAt]), [...(groups.get(String(r[currencyAt])) ?? []), r]);
  return [...groups.entries()]
    .sort(([a, x], [b, y]) => y.length - x.length || a.localeCompare(b))
    .flatMap(([, g]) => g.sort((a, b) => num(String(b[amountAt])) - num(String(a[amountAt]))).slice(0, limit));
}

/** One report, as rows (for CSV and tables) and a chart series. Per ledger, or the portfolio. */
export async function report({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { name: ReportName; ledgerId?: string };
}): Promise<Report> {
  const ledgers = await ledgersOf(ctx, input.ledgerId);
  const now = ctx.clock.now();
  switch (input.name) {
    case 'aged-debtors':
      return agedDebtors(ctx, ledgers, now);
    case 'aging': {
      const rows: Report['rows'] = [];
      for (const l of ledgers) {
        const today = localDate(now, l.timezone);
        // One row per currency the ledger is owed in, its base currency first.
        const open = (await arOf(ctx, l, today, null)).filter((i) => i.paidDate === null);
        const currencies = [...new Set([l.baseCurrency, ...open.map((i) => i.currency).sort()])];
        for (const cur of currencies) {
          const mine = open.filter((i) => i.currency === cur);
          if (mine.length === 0 && cur !== l.baseCurrency) continue;
          const b = aging(mine, today);
          rows.push([l.name, cur, ...BUCKETS.map((k) => b[k])]);
        }
      }
      return {
        name: 'aging',
        title: 'Aged receivables',
        columns: ['ledger', 'currency', ...BUCKETS],
        money: [...BUCKETS],
        rows,
        chart: {
          labels: [...BUCKETS],
          series: rows.map((r) => ({ name: `${r[0]} (${r[1]})`, values: r.slice(2).map((v) => num(String(v))) })),
        },
      };
    }
    case 'dso': {
      const rows: Report['rows'] = [];
      for (const l of ledgers) {
        const today = localDate(now, l.timezone);
        for (const p of dsoTrend(await arOf(ctx, l, today, l.baseCurrency), today)) rows.push([l.name, p.date, p.dso]);
      }
      const months = [...new Set(rows.map((r) => String(r[1]).slice(0, 7)))];
      return {
        name: 'dso',
        title: 'Days sales outstanding (countback)',
        columns: ['ledger', 'month_end', 'dso_days'],
        rows,
        chart: {
          labels: months,
          series: ledgers.map((l) => ({
            name: l.name,
            values: rows.filter((r) => r[0] === l.name).map((r) => Number(r[2])),
          })),
        },
      };
    }
    case 'cei': {
      const rows: Report['rows'] = [];
      for (const l of ledgers) {
        const today = localDate(now, l.timezone);
        const ar = await arOf(ctx, l, today, l.baseCurrency);
        for (let k = 5; k >= 0; k--) {
          const end = k === 0 ? today : addDays(`${addMonths(today, -k + 1).slice(0, 7)}-01`, -1);
          const start = addDays(`${end.slice(0, 7)}-01`, -1);
          rows.push([l.name, end.slice(0, 7), cei(ar, start, end)]);
        }
      }
      const months = [...new Set(rows.map((r) => String(r[1])))];
      return {
        name: 'cei',
        title: 'Collection effectiveness index',
        note: '(opening + sales − closing receivables) ÷ (opening + sales − closing current receivables) × 100, per month.',
        columns: ['ledger', 'month', 'cei'],
        rows,
        chart: {
          labels: months,
          series: ledgers.map((l) => ({
            name: l.name,
            values: rows.filter((r) => r[0] === l.name).map((r) => Number(r[2] ?? 0)),
          })),
        },
      };
    }
    case 'reminders': {
      const ids = ledgers.map((l) => l.id);
      const data = await queryRows<{ kind: string; key: string; reminded: number; paid: number }>(
        ctx.db,
        sql`select g.kind, g.key, count(*)::int as reminded,
              count(*) filter (where i.paid_at is not null and i.paid_at >= m.sent_at and i.paid_at < m.sent_at + interval '7 days')::int as paid
            from reminder_item ri
            join reminder r on r.id = ri.reminder_id and r.status = 'sent'
            join message m on m.reminder_id = r.id and m.sent_at is not null
            join invoice i on i.id = ri.invoice_id
            cross join lateral (values ('step', ri.step_key), ('template', coalesce(r.template_key, '-'))) as g(kind, key)
            where r.firm_id = ${ctx.firmId} and r.ledger_id in (${sql.join(ids.length ? ids.map((i) => sql`${i}`) : [sql`null`], sql`, `)})
            group by g.kind, g.key order by g.kind, g.key`,
      );
      const rows = data.map((d) => [
        d.kind,
        d.key,
        d.reminded,
        d.paid,
        d.reminded ? Math.round((1000 * d.paid) / d.reminded) / 1000 : 0,
      ]);
      return {
        name: 'reminders',
        title: 'Reminder effectiveness',
        note: 'Share of reminded invoices paid within 7 days after the message, per cadence step and per template.',
        columns: ['by', 'key', 'reminded', 'paid_within_7_days', 'rate'],
        rows,
        chart: {
          labels: rows.map((r) => `${r[0]}: ${r[1]}`),
          series: [{ name: 'paid within 7 days', values: rows.map((r) => Number(r[4])) }],
        },
      };
    }
    case 'top-overdue': {
      const rows: Report['rows'] = [];
      for (const l of ledgers) {
        const today = localDate(now, l.timezone);
        const data = await ctx.db
          .select({
            name: contact.name,
            currency: invoice.currency,
            overdue: sql<string>`sum(${invoice.amountDue})::text`,
            oldest: sql<string>`min(${invoice.dueDate})`,
            band: sql<string | null>`max(${riskScore.band}::text)`,
          })
          .from(invoice)
          .innerJoin(contact, eq(contact.id, invoice.contactId))
          .leftJoin(riskScore, and(eq(riskScore.subjectType, 'contact'), eq(riskScore.subjectId, contact.id)))
          .where(and(eq(invoice.ledgerId, l.id), eq(invoice.status, 'open'), sql`${invoice.dueDate} < ${today}`))
          .groupBy(contact.id, contact.name, invoice.currency);
        for (const d of data)
          rows.push([
            l.name,
            d.name,
            d.currency,
            formatUnits(parseAmount(d.overdue), SCALE),
            Math.round((Date.parse(today) - Date.parse(d.oldest)) / 86_400_000),
            d.band,
          ]);
      }
      const top = rankedByCurrency(rows, 2, 3, 20);
      const firstCurrency = top[0]?.[2];
      const charted = top.filter((r) => r[2] === firstCurrency);
      return {
        name: 'top-overdue',
        title: 'Top overdue customers',
        columns: ['ledger', 'customer', 'currency', 'overdue', 'oldest_days', 'risk'],
        money: ['overdue'],
        rows: top,
        note: 'The 20 largest overdue balances in each currency the customers owe in.',
        chart: {
          labels: charted.map((r) => String(r[1])),
          series: [{ name: `overdue (${firstCurrency ?? ''})`, values: charted.map((r) => num(String(r[3]))) }],
        },
      };
    }
    case 'provision': {
      const rows: Report['rows'] = [];
      for (const l of ledgers) {
        const today = localDate(now, l.timezone);
        const data = await ctx.db
          .select({
            contactId: contact.id,
            name: contact.name,
            currency: invoice.currency,
            amountDue: invoice.amountDue,
            dueDate: invoice.dueDate,
            pSevere: riskScore.pSevere,
            disputedAt: collectionState.disputedAt,
          })
          .from(invoice)
          .innerJoin(contact, eq(contact.id, invoice.contactId))
          .leftJoin(riskScore, and(eq(riskScore.subjectType, 'invoice'), eq(riskScore.subjectId, invoice.id)))
          .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
          .where(and(eq(invoice.ledgerId, l.id), eq(invoice.status, 'open')));
        // Per customer and currency: amounts in different currencies are never added up.
        const byContact = new Map<string, typeof data>();
        for (const d of data) {
          const key = `${d.contactId}|${d.currency}`;
          byContact.set(key, [...(byContact.get(key) ?? []), d]);
        }
        for (const mine of byContact.values()) {
          const p = provision(
            mine.map((d) => ({
              amountDue: d.amountDue,
              dueDate: d.dueDate,
              pSevere: d.pSevere === null ? null : Number(d.pSevere),
              disputed: d.disputedAt !== null,
            })),
            today,
          );
          rows.push([
            l.name,
            mine[0]!.name,
            mine[0]!.currency,
            formatUnits(add(...mine.map((d) => parseAmount(d.amountDue))), SCALE),
            p.amount,
          ]);
        }
      }
      const ranked = rankedByCurrency(rows, 2, 4);
      const firstCurrency = ranked[0]?.[2];
      const charted = ranked.filter((r) => r[2] === firstCurrency).slice(0, 15);
      return {
        name: 'provision',
        title: 'Bad-debt provision (suggested)',
        note: PROVISION_METHOD,
        columns: ['ledger', 'customer', 'currency', 'open', 'provision'],
        money: ['open', 'provision'],
        rows: ranked,
        chart: {
          labels: charted.map((r) => String(r[1])),
          series: [{ name: `provision (${firstCurrency ?? ''})`, values: charted.map((r) => num(String(r[4]))) }],
        },
      };
    }
    case 'forecast': {
      const f = input.ledgerId ? { totals: [await forecastFor(ctx, ledgers[0]!)] } : await portfolioForecast({ ctx });
      const checks = (input.ledgerId ? f.totals : (f as Awaited<ReturnType<typeof portfolioForecast>>).ledgers) as {
        accuracy?: Awaited<ReturnType<typeof forecastFor>>['accuracy'];
      }[];
      const accuracyNote = checks
        .map((c) => c.accuracy)
        .filter((a): a is NonNullable<typeof a> => !!a && a.wape !== null)
        .map(
          (a) =>
            `The forecast made on ${a.madeOn} was off by ${Math.round(a.wape! * 1000) / 10}% (weighted absolute error over ${a.weeks.length} weeks).`,
        )
        .join(' ');
      const rows: Report['rows'] = f.totals.flatMap((t) =>
        t.weeks.map((w) => [t.currency, w.weekStart, w.low, w.expected, w.high]),
      );
      const first = f.totals[0];
      return {
        name: 'forecast',
        title: 'Cash-flow forecast, next 13 weeks',
        note: `Each open invoice in the week of its predicted pay date. Expected: its amount times its chance of being paid at all. Band: low (only what is not very late) to high (all of it). Invoices unlikely to be paid without action count in high only, in the first week.${accuracyNote ? ` ${accuracyNote}` : ''}`,
        columns: ['currency', 'week_start', 'low', 'expected', 'high'],
        money: ['low', 'expected', 'high'],
        rows,
        chart: first
          ? {
              labels: first.weeks.map((w) => w.weekStart),
              series: (['low', 'expected', 'high'] as const).map((k) => ({
                name: `${k} (${first.currency})`,
                values: first.weeks.map((w) => num(w[k])),
              })),
            }
          : null,
      };
    }
  }
}
