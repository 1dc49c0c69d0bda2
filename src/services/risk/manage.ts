import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { contact, historyImport, historyInvoice, invoice, riskModel, riskScore } from '../../db/schema/index.ts';
import { localDate } from '../../domain/dates.ts';
import { excludedSet } from '../../db/upsert.ts';
import { readHistoryCsv } from '../../domain/risk/csv.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { audit } from '../audit.ts';
import { assertCanAct, type ServiceContext } from '../context.ts';
import { getLedger } from '../ledgers.ts';
import { rescoreLedger, type StoredParams } from './scoring.ts';

type Band = 'low' | 'medium' | 'high';

const scoreView = (s: typeof riskScore.$inferSelect) => ({
  pLate: Number(s.pLate),
  pVeryLate: Number(s.pVeryLate),
  pSevere: Number(s.pSevere),
  band: s.band,
  predictedPayDate: s.predictedPayDate,
  payDateFrom: s.payDateFrom,
  payDateTo: s.payDateTo,
  pPaidWithin90: s.pPaidWithin90 === null ? null : Number(s.pPaidWithin90),
  reasons: s.reasons.map((r) => ({ code: r.code, text: r.text })),
  modelVersion: s.modelVersion,
  computedAt: s.computedAt.toISOString(),
});

/** A ledger's customers by risk, riskiest first: the worklist a credit controller starts from. */
export async function listLedgerRisk({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId: string; band?: Band; limit: number; offset: number };
}) {
  const ledger = await getLedger(ctx, input.ledgerId);
  const [model] = await ctx.db
    .select({
      version: riskModel.version,
      fittedAt: riskModel.fittedAt,
      evaluation: sql<StoredParams['evaluation']>`${riskModel.params} -> 'evaluation'`,
    })
    .from(riskModel)
    .where(eq(riskModel.ledgerId, ledger.id));
  const bands = await ctx.db
    .select({ band: riskScore.band, n: sql<number>`count(*)::int` })
    .from(riskScore)
    .where(and(eq(riskScore.ledgerId, ledger.id), eq(riskScore.subjectType, 'contact')))
    .groupBy(riskScore.band);
  const rows = await ctx.db
    .select({ score: riskScore, name: contact.name })
    .from(riskScore)
    .innerJoin(contact, eq(contact.id, riskScore.subjectId))
    .where(
      and(
        eq(riskScore.ledgerId, ledger.id),
        eq(riskScore.subjectType, 'contact'),
        input.band ? eq(riskScore.band, input.band) : undefined,
      ),
    )
    .orderBy(desc(riskScore.pLate), desc(riskScore.pVeryLate), asc(contact.name))
    .limit(input.limit)
    .offset(input.offset);
  const today = localDate(ctx.clock.now(), ledger.timezone);
  const open = rows.length
    ? await ctx.db
        .select({
          contactId: invoice.contactId,
          n: sql<number>`count(*)::int`,
          overdue: sql<number>`count(*) filter (where ${invoice.dueDate} < ${today})::int`,
        })
        .from(invoice)
        .where(
          and(
            eq(invoice.status, 'open'),
            inArray(
              invoice.contactId,
              rows.map((r) => r.score.subjectId),
            ),
          ),
        )
        .groupBy(invoice.contactId)
    : [];
  const openBy = new Map(open.map((o) => [o.contactId, o]));
  return {
    model: model
      ? { version: model.version, fittedAt: model.fittedAt.toISOString(), evaluation: model.evaluation ?? null }
      : null,
    /** Customers per band: a band that holds nearly everyone tells a credit controller nothing. */
    bands: Object.fromEntries(
      (['high', 'medium', 'low'] as const).map((b) => [b, bands.find((x) => x.band === b)?.n ?? 0]),
    ) as Record<Band, number>,
    contacts: rows.map((r) => ({
      contactId: r.score.subjectId,
      name: r.name,
      openInvoices: openBy.get(r.score.subjectId)?.n ?? 0,
      overdueInvoices: openBy.get(r.score.subjectId)?.overdue ?? 0,
      ...scoreView(r.score),
    })),
  };
}

/** One customer's score and the score of each of its open invoices. */
export async function getContactRisk({ ctx, input }: { ctx: ServiceContext; input: { contactId: string } }) {
  const [c] = await ctx.db
    .select()
    .from(contact)
    .where(and(eq(contact.id, input.contactId), eq(contact.firmId, ctx.firmId)));
  if (!c) throw new NotFoundError('contact');
  assertCanAct(ctx, c.ledgerId);
  const [own] = await ctx.db
    .select()
    .from(riskScore)
    .where(and(eq(riskScore.subjectType, 'contact'), eq(riskScore.subjectId, c.id)));
  const invoices = await ctx.db
    .select({
      id: invoice.id,
      number: invoice.number,
      dueDate: invoice.dueDate,
      amountDue: invoice.amountDue,
      currency: invoice.currency,
      score: riskScore,
    })
    .from(invoice)
    .leftJoin(riskScore, and(eq(riskScore.subjectType, 'invoice'), eq(riskScore.subjectId, invoice.id)))
    .where(and(eq(invoice.contactId, c.id), eq(invoice.status, 'open')))
    .orderBy(asc(invoice.dueDate));
  return {
    contactId: c.id,
    name: c.name,
    score: own ? scoreView(own) : null,
    invoices: invoices.map((i) => ({
      invoiceId: i.id,
      number: i.number,
      dueDate: i.dueDate,
      amountDue: i.amountDue,
      currency: i.currency,
      score: i.score ? scoreView(i.score) : null,
    })),
  };
}

/** Refit the ledger's model and rescore everything now (the daily job does the same). */
export async function rescoreNow({ ctx, input }: { ctx: ServiceContext; input: { ledgerId: string } }) {
  const ledger = await getLedger(ctx, input.ledgerId);
  assertCanAct(ctx, ledger.id);
  const result = await rescoreLedger(ctx, ledger.id);
  await audit(ctx, 'risk.rescored', { type: 'ledger', id: ledger.id }, result);
  return result;
}

const IMPORT_BATCH = 1000;

/**
 * Imports invoice history from CSV into a ledger, all or nothing: any bad row rejects the file
 * with every problem listed; a good file is written in one transaction (a re-imported invoice
 * id replaces the earlier row), then the ledger is rescored with the longer history.
 */
export async function importHistory({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId: string; csv: string; filename?: string };
}) {
  const ledger = await getLedger(ctx, input.ledgerId);
  assertCanAct(ctx, ledger.id);
  const parsed = readHistoryCsv(input.csv);
  if (!parsed.ok) {
    const issues = parsed.issues.map((i) => ({
      path: `line ${i.line}${i.column ? `, ${i.column}` : ''}`,
      message: i.message,
    }));
    throw new ValidationError(
      `the file has ${issues.length} problem${issues.length > 1 ? 's' : ''}; nothing was imported`,
      issues.slice(0, 200),
    );
  }
  const { importId, replaced } = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(historyImport)
      .values({
        firmId: ctx.firmId,
        ledgerId: ledger.id,
        filename: input.filename ?? null,
        rows: parsed.rows.length,
        createdBy: ctx.actor.type === 'user' ? ctx.actor.userId : null,
      })
      .returning({ id: historyImport.id });
    let replaced = 0;
    for (let k = 0; k < parsed.rows.length; k += IMPORT_BATCH) {
      const values = parsed.rows.slice(k, k + IMPORT_BATCH).map((r) => ({
        firmId: ctx.firmId,
        ledgerId: ledger.id,
        importId: row!.id,
        customerRef: r.contactId,
        invoiceRef: r.id,
        issueDate: r.issueDate,
        dueDate: r.dueDate,
        amount: r.amount,
        currency: r.currency,
        paidDate: r.paidDate,
        disputed: r.disputed,
      }));
      const written = await tx
        .insert(historyInvoice)
        .values(values)
        .onConflictDoUpdate({
          target: [historyInvoice.ledgerId, historyInvoice.invoiceRef],
          set: excludedSet(historyInvoice, [
            'importId',
            'customerRef',
            'issueDate',
            'dueDate',
            'amount',
            'currency',
            'paidDate',
            'disputed',
          ]),
        })
        // xmax is non-zero on rows that an upsert updated rather than inserted.
        .returning({ updated: sql<boolean>`xmax::text <> '0'` });
      replaced += written.filter((w) => w.updated).length;
    }
    await audit(
      ctx,
      'risk.history_imported',
      { type: 'ledger', id: ledger.id },
      { importId: row!.id, rows: parsed.rows.length, replaced },
      tx,
    );
    return { importId: row!.id, replaced };
  });
  const rescored = await rescoreLedger(ctx, ledger.id);
  return { importId, rows: parsed.rows.length, replaced, modelVersion: rescored.modelVersion };
}

export async function listImports({ ctx, input }: { ctx: ServiceContext; input: { ledgerId: string } }) {
  const ledger = await getLedger(ctx, input.ledgerId);
  const rows = await ctx.db
    .select()
    .from(historyImport)
    .where(eq(historyImport.ledgerId, ledger.id))
    .orderBy(desc(historyImport.createdAt));
  return rows.map((r) => ({ id: r.id, filename: r.filename, rows: r.rows, createdAt: r.createdAt.toISOString() }));
}
