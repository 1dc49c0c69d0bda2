import { and, asc, desc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { contact, contactState, invoice, ledger, riskScore } from '../db/schema/index.ts';
import { formatUnits, parseAmount, SCALE } from '../domain/money.ts';
import { BUCKETS } from '../domain/reports/receivables.ts';
import { inLedgerScope, type ServiceContext } from './context.ts';

/**
 * The customers of a ledger or of the whole portfolio with what they owe, searched, filtered,
 * sorted and paged the same way for the page, the API and the CSV. Balances are in the ledger's
 * base currency; what a customer owes in other currencies is counted beside, never added in.
 */
export const CUSTOMER_SORTS = ['name', 'balance', 'oldest', 'risk'] as const;
export const CUSTOMER_STATES = ['chasing', 'paused', 'opted_out', 'excluded'] as const;

export const CustomerListQuery = z.object({
  ledgerId: z.uuid().optional(),
  /** Customer name or email, any part of it. */
  q: z.string().trim().max(100).optional(),
  band: z.enum(['low', 'medium', 'high']).optional(),
  /** The age of the customer's oldest overdue invoice. */
  aging: z.enum(BUCKETS).optional(),
  state: z.enum(CUSTOMER_STATES).optional(),
  /** Only customers with something open (the default), or every customer. */
  owing: z.enum(['yes', 'all']).default('yes'),
  sort: z.enum(CUSTOMER_SORTS).default('balance'),
  dir: z.enum(['asc', 'desc']).default('desc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type CustomerListInput = z.infer<typeof CustomerListQuery>;

const EXPORT_LIMIT = 10_000;

function stateCondition(state: (typeof CUSTOMER_STATES)[number], now: string): SQL {
  const paused = sql`${contactState.pausedUntil} > ${now}::timestamptz`;
  switch (state) {
    case 'paused':
      return paused;
    case 'opted_out':
      return sql`${contactState.optedOutAt} is not null`;
    case 'excluded':
      return sql`${contactState.excluded}`;
    case 'chasing':
      return sql`(${contactState.contactId} is null or (not coalesce(${paused}, false)
        and ${contactState.optedOutAt} is null and not ${contactState.excluded}))`;
  }
}

export async function listCustomers({ ctx, input }: { ctx: ServiceContext; input: CustomerListInput }) {
  const now = ctx.clock.now().toISOString();
  const today = sql`(${now}::timestamptz at time zone ${ledger.timezone})::date`;
  const open = sql`${invoice.status} = 'open'`;
  const base = sql`${open} and ${invoice.currency} = ${ledger.baseCurrency}`;
  const balance = sql<string>`coalesce(sum(${invoice.amountDue}) filter (where ${base}), 0)`;
  const oldest = sql<
    number | null
  >`max(${today} - ${invoice.dueDate}) filter (where ${open} and ${invoice.dueDate} < ${today})`;
  const others = sql<number>`count(distinct ${invoice.currency}) filter (where ${open} and ${invoice.currency} <> ${ledger.baseCurrency})`;
  const openCount = sql<number>`count(*) filter (where ${open})`;
  const like = input.q ? `%${input.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const bandRank = sql`case ${riskScore.band} when 'high' then 3 when 'medium' then 2 when 'low' then 1 else 0 end`;
  const having = and(
    input.owing === 'yes' ? sql`${openCount} > 0` : undefined,
    input.aging === 'current' ? sql`coalesce(${oldest}, 0) <= 0` : undefined,
    input.aging && input.aging !== 'current'
      ? {
          '1-30': sql`${oldest} between 1 and 30`,
          '31-60': sql`${oldest} between 31 and 60`,
          '61-90': sql`${oldest} between 61 and 90`,
          '90+': sql`${oldest} >= 91`,
        }[input.aging]
      : undefined,
  );
  const query = () =>
    ctx.db
      .select({
        id: contact.id,
        ledgerId: contact.ledgerId,
        ledgerName: ledger.name,
        name: contact.name,
        email: contact.email,
        currency: ledger.baseCurrency,
        openBalance: sql<string>`${balance}::text`,
        openInvoices: sql<number>`${openCount}::int`,
        oldestOverdueDays: sql<number | null>`${oldest}::int`,
        otherCurrencies: sql<number>`${others}::int`,
        band: riskScore.band,
        pausedUntil: contactState.pausedUntil,
        optedOutAt: contactState.optedOutAt,
        excluded: contactState.excluded,
      })
      .from(contact)
      .innerJoin(ledger, eq(ledger.id, contact.ledgerId))
      .leftJoin(invoice, eq(invoice.contactId, contact.id))
      .leftJoin(riskScore, and(eq(riskScore.subjectType, 'contact'), eq(riskScore.subjectId, contact.id)))
      .leftJoin(contactState, eq(contactState.contactId, contact.id))
      .where(
        and(
          eq(contact.firmId, ctx.firmId),
          inLedgerScope(ctx, contact.ledgerId),
          input.ledgerId ? eq(contact.ledgerId, input.ledgerId) : undefined,
          input.band ? eq(riskScore.band, input.band) : undefined,
          input.state ? stateCondition(input.state, now) : undefined,
          like ? or(ilike(contact.name, like), ilike(contact.email, like)) : undefined,
        ),
      )
      .groupBy(contact.id, ledger.id, riskScore.band, contactState.contactId)
      .having(having);
  const order = input.dir === 'desc' ? desc : asc;
  const sortBy = { name: contact.name, balance, oldest, risk: bandRank }[input.sort];
  const rows = await query()
    .orderBy(sql`${order(sortBy)} nulls last`, asc(contact.name), asc(contact.id))
    .limit(input.limit)
    .offset(input.offset);
  const [count] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(query().as('matching'));
  return {
    total: count?.n ?? 0,
    limit: input.limit,
    offset: input.offset,
    customers: rows.map(({ pausedUntil, optedOutAt, excluded, ...r }) => ({
      ...r,
      openBalance: formatUnits(parseAmount(r.openBalance), SCALE),
      state: optedOutAt
        ? 'opted out'
        : excluded
          ? 'excluded'
          : pausedUntil && pausedUntil.toISOString() > now
            ? `paused until ${pausedUntil.toISOString().slice(0, 10)}`
            : 'chasing',
    })),
  };
}

/** Every customer the filter matches (all pages, up to 10,000) as CSV rows, header first. */
export async function customerCsvRows({ ctx, input }: { ctx: ServiceContext; input: CustomerListInput }) {
  const all = await listCustomers({ ctx, input: { ...input, limit: EXPORT_LIMIT, offset: 0 } });
  return [
    [
      'ledger',
      'customer',
      'email',
      'currency',
      'open_balance',
      'open_invoices',
      'oldest_overdue_days',
      'other_currencies',
      'risk',
      'state',
    ],
    ...all.customers.map((c) => [
      c.ledgerName,
      c.name,
      c.email,
      c.currency,
      c.openBalance,
      c.openInvoices,
      c.oldestOverdueDays,
      c.otherCurrencies,
      c.band,
      c.state,
    ]),
  ];
}
