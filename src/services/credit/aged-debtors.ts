import { and, asc, eq, sql } from 'drizzle-orm';
import { contact, invoice, type ledger } from '../../db/schema/index.ts';
import { localDate } from '../../domain/dates.ts';
import { add, formatUnits, parseAmount, SCALE } from '../../domain/money.ts';
import { BUCKETS } from '../../domain/reports/receivables.ts';
import type { ServiceContext } from '../context.ts';

type LedgerRow = typeof ledger.$inferSelect;
type Row = (string | number | null)[];

/**
 * The aged-debtors report, the one bookkeepers print most: each customer's open balance by days
 * past due (as of the ledger's own today), one row per customer and currency they owe in, then a
 * total per currency. Currencies are never added together: the ledger's base currency first,
 * then the others in alphabetical order, customers alphabetically within each.
 */
export async function agedDebtors(ctx: ServiceContext, ledgers: LedgerRow[], now: Date) {
  const rows: Row[] = [];
  for (const l of ledgers) {
    const today = localDate(now, l.timezone);
    const late = sql`(${today}::date - ${invoice.dueDate})`;
    const bucket = (from: number, to: number | null) =>
      sql<string>`coalesce(sum(${invoice.amountDue}) filter (where ${late} >= ${from}${to === null ? sql`` : sql` and ${late} <= ${to}`}), 0)::text`;
    const data = await ctx.db
      .select({
        name: contact.name,
        currency: invoice.currency,
        current: sql<string>`coalesce(sum(${invoice.amountDue}) filter (where ${invoice.dueDate} is null or ${late} <= 0), 0)::text`,
        d30: bucket(1, 30),
        d60: bucket(31, 60),
        d90: bucket(61, 90),
        older: bucket(91, null),
      })
      .from(invoice)
      .innerJoin(contact, eq(contact.id, invoice.contactId))
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.status, 'open'), sql`${invoice.amountDue} > 0`))
      .groupBy(contact.id, contact.name, invoice.currency)
      .orderBy(asc(contact.name), asc(contact.id));
    const currencies = [...new Set(data.map((d) => d.currency))].sort((a, b) =>
      a === l.baseCurrency ? -1 : b === l.baseCurrency ? 1 : a.localeCompare(b),
    );
    for (const cur of currencies) {
      const mine = data
        .filter((d) => d.currency === cur)
        .map((d) => ({ name: d.name, amounts: [d.current, d.d30, d.d60, d.d90, d.older].map(parseAmount) }));
      for (const m of mine) rows.push([l.name, m.name, cur, ...withTotal(m.amounts)]);
      const sums = BUCKETS.map((_, k) => add(...mine.map((m) => m.amounts[k]!)));
      rows.push([l.name, `Total (${mine.length} customer${mine.length === 1 ? '' : 's'})`, cur, ...withTotal(sums)]);
    }
  }
  return {
    name: 'aged-debtors',
    title: 'Aged debtors',
    note: "Each customer's open balance by days past due, per currency they owe in, with a total per currency (currencies are never added together).",
    columns: ['ledger', 'customer', 'currency', ...BUCKETS, 'total'],
    money: [...BUCKETS, 'total'],
    rows,
    chart: null,
  };
}

const withTotal = (amounts: bigint[]) => [...amounts, add(...amounts)].map((u) => formatUnits(u, SCALE));
