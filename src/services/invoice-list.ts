import { and, asc, desc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { collectionState, contact, invoice, ledger, riskScore } from '../db/schema/index.ts';
import { BUCKETS } from '../domain/reports/receivables.ts';
import { type ServiceContext, inLedgerScope } from './context.ts';

/**
 * The invoices of a ledger or of the whole portfolio, searched, filtered, sorted and paged the
 * same way for the page, the API and the CSV, so an export holds exactly what the filters show.
 */
export const INVOICE_SORTS = ['due', 'amount', 'number', 'customer', 'issued'] as const;
export const COLLECTION_STATES = ['chasing', 'disputed', 'promised', 'plan', 'excluded', 'handed_off'] as const;

export const InvoiceListQuery = z.object({
  ledgerId: z.uuid().optional(),
  /** Invoice number, customer name or customer email, any part of it. */
  q: z.string().trim().max(100).optional(),
  status: z.enum(['open', 'paid', 'voided', 'deleted']).default('open'),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, 'a currency code like GBP')
    .optional(),
  aging: z.enum(BUCKETS).optional(),
  band: z.enum(['low', 'medium', 'high']).optional(),
  collection: z.enum(COLLECTION_STATES).optional(),
  sort: z.enum(INVOICE_SORTS).default('due'),
  dir: z.enum(['asc', 'desc']).default('asc'),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});
export type InvoiceListInput = z.infer<typeof InvoiceListQuery>;

/** The most rows one CSV export holds: all pages of the filter, up to this. */
const EXPORT_LIMIT = 10_000;

const INVOICE_CSV_HEADER = [
  'ledger',
  'number',
  'customer',
  'email',
  'currency',
  'total',
  'amount_due',
  'issue_date',
  'due_date',
  'days_overdue',
  'status',
  'risk',
  'collection',
] as const;

/** Days past due in the ledger's own zone today (0 or less: not due yet). */
const daysOverdue = (now: Date) =>
  sql<number>`((${now.toISOString()}::timestamptz at time zone ${ledger.timezone})::date - ${invoice.dueDate})`;

function agingCondition(bucket: (typeof BUCKETS)[number], days: SQL<number>): SQL {
  if (bucket === 'current') return sql`(${invoice.dueDate} is null or ${days} <= 0)`;
  const [from, to] = { '1-30': [1, 30], '31-60': [31, 60], '61-90': [61, 90], '90+': [91, null] }[bucket];
  return to === null ? sql`${days} >= ${from}` : sql`${days} between ${from} and ${to}`;
}

function collectionCondition(state: (typeof COLLECTION_STATES)[number], today: SQL): SQL {
  switch (state) {
    case 'disputed':
      return sql`${collectionState.disputedAt} is not null`;
    case 'promised':
      return sql`${collectionState.promiseToPayUntil} >= ${today}`;
    case 'plan':
      return sql`${collectionState.paymentPlan} is not null`;
    case 'excluded':
      return sql`${collectionState.excluded}`;
    case 'handed_off':
      return sql`${collectionState.handedOffAt} is not null`;
    case 'chasing':
      return sql`(${collectionState.invoiceId} is null or (${collectionState.disputedAt} is null
        and not ${collectionState.excluded} and ${collectionState.handedOffAt} is null
        and ${collectionState.paymentPlan} is null
        and (${collectionState.promiseToPayUntil} is null or ${collectionState.promiseToPayUntil} < ${today})))`;
  }
}

const collectionWords = (s: {
  disputedAt: Date | null;
  promiseToPayUntil: string | null;
  paymentPlan: unknown;
  excluded: boolean | null;
  handedOffAt: Date | null;
}) =>
  [
    s.disputedAt ? 'disputed' : null,
    s.promiseToPayUntil ? `promised by ${s.promiseToPayUntil}` : null,
    s.paymentPlan ? 'payment plan' : null,
    s.excluded ? 'excluded' : null,
    s.handedOffAt ? 'handed off' : null,
  ]
    .filter(Boolean)
    .join(', ');

export async function listInvoices({ ctx, input }: { ctx: ServiceContext; input: InvoiceListInput }) {
  const now = ctx.clock.now();
  const days = daysOverdue(now);
  const today = sql`(${now.toISOString()}::timestamptz at time zone ${ledger.timezone})::date`;
  const like = input.q ? `%${input.q.replace(/[\\%_]/g, (m) => `\\${m}`)}%` : null;
  const where = and(
    eq(invoice.firmId, ctx.firmId),
    inLedgerScope(ctx, invoice.ledgerId),
    input.ledgerId ? eq(invoice.ledgerId, input.ledgerId) : undefined,
    eq(invoice.status, input.status),
    input.currency ? eq(invoice.currency, input.currency) : undefined,
    input.aging ? agingCondition(input.aging, days) : undefined,
    input.band ? eq(riskScore.band, input.band) : undefined,
    input.collection ? collectionCondition(input.collection, today) : undefined,
    like ? or(ilike(invoice.number, like), ilike(contact.name, like), ilike(contact.email, like)) : undefined,
  );
  const order = input.dir === 'desc' ? desc : asc;
  const sortBy = {
    due: invoice.dueDate,
    amount: invoice.amountDue,
    number: invoice.number,
    customer: contact.name,
    issued: invoice.issueDate,
  }[input.sort];
  const base = () =>
    ctx.db
      .select({
        id: invoice.id,
        ledgerId: invoice.ledgerId,
        ledgerName: ledger.name,
        number: invoice.number,
        contactId: invoice.contactId,
        customer: contact.name,
        email: contact.email,
        currency: invoice.currency,
        total: invoice.total,
        amountDue: invoice.amountDue,
        issueDate: invoice.issueDate,
        dueDate: invoice.dueDate,
        daysOverdue: days,
        status: invoice.status,
        band: riskScore.band,
        disputedAt: collectionState.disputedAt,
        promiseToPayUntil: collectionState.promiseToPayUntil,
        paymentPlan: collectionState.paymentPlan,
        excluded: collectionState.excluded,
        handedOffAt: collectionState.handedOffAt,
      })
      .from(invoice)
      .innerJoin(ledger, eq(ledger.id, invoice.ledgerId))
      .leftJoin(contact, eq(contact.id, invoice.contactId))
      .leftJoin(riskScore, and(eq(riskScore.subjectType, 'invoice'), eq(riskScore.subjectId, invoice.id)))
      .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
      .where(where);
  const rows = await base()
    // Ties (one customer's invoices, equal amounts) in due-date order, then stably by id.
    .orderBy(
      sql`${order(sortBy)} nulls last`,
      sql`${invoice.dueDate} asc nulls last`,
      asc(invoice.number),
      asc(invoice.id),
    )
    .limit(input.limit)
    .offset(input.offset);
  const [count] = await ctx.db.select({ n: sql<number>`count(*)::int` }).from(base().as('matching'));
  return {
    total: count?.n ?? 0,
    limit: input.limit,
    offset: input.offset,
    invoices: rows.map(({ disputedAt, promiseToPayUntil, paymentPlan, excluded, handedOffAt, ...r }) => ({
      ...r,
      daysOverdue: r.dueDate === null ? null : Number(r.daysOverdue),
      collection: collectionWords({ disputedAt, promiseToPayUntil, paymentPlan, excluded, handedOffAt }),
    })),
  };
}

/** Every invoice the filter matches (all pages, up to EXPORT_LIMIT) as CSV rows, header first. */
export async function invoiceCsvRows({ ctx, input }: { ctx: ServiceContext; input: InvoiceListInput }) {
  const all = await listInvoices({ ctx, input: { ...input, limit: EXPORT_LIMIT, offset: 0 } });
  return [
    [...INVOICE_CSV_HEADER],
    ...all.invoices.map((i) => [
      i.ledgerName,
      i.number,
      i.customer,
      i.email,
      i.currency,
      i.total,
      i.amountDue,
      i.issueDate,
      i.dueDate,
      i.daysOverdue,
      i.status,
      i.band,
      i.collection,
    ]),
  ];
}
