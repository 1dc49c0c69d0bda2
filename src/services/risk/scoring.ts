import { and, count, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { contact, invoice, ledger as ledgerTable, riskModel, riskScore } from '../../db/schema/index.ts';
import { excludedSet } from '../../db/upsert.ts';
import { localDate } from '../../domain/dates.ts';
import { evaluateModel, type ModelEvaluation } from '../../domain/risk/evaluation.ts';
import { FEATURE_NAMES } from '../../domain/risk/features.ts';
import type { HistInvoice } from '../../domain/risk/history.ts';
import {
  MAX_TRAINING_ROWS,
  MODEL_FAMILY,
  type RiskModel,
  type Score,
  score,
  trainModel,
} from '../../domain/risk/model.ts';
import type { Clock } from '../../lib/clock.ts';
import { loadHistory } from './history.ts';

export type RiskDeps = { db: Db; clock: Clock };
type LedgerRef = { id: string; firmId: string; timezone: string };
export type RescoreResult = { ledgerId: string; modelVersion: string; contacts: number; invoices: number };

/** Stored models older than this are refitted before use; the daily job refits them anyway. */
const MODEL_MAX_AGE_MS = 24 * 3600_000;
/** A young ledger's model is refitted once its history has grown by this much since the fit. */
const GROWTH_REFIT = 1.2;
const BATCH = 500;

/** What risk_model.params holds. `evaluation` is absent for models stored before it existed. */
export type StoredParams = { features: readonly string[]; model: RiskModel; evaluation?: ModelEvaluation | null };

async function ledgerRef(db: Db, ledgerId: string): Promise<LedgerRef | null> {
  const [row] = await db
    .select({ id: ledgerTable.id, firmId: ledgerTable.firmId, timezone: ledgerTable.timezone })
    .from(ledgerTable)
    .where(eq(ledgerTable.id, ledgerId));
  return row ?? null;
}

/**
 * Fits the ledger's model on its whole history as of today and stores it, with how well the same
 * method predicted the ledger's recent invoices (domain/risk/evaluation.ts).
 */
async function fitAndStore(deps: RiskDeps, ledger: LedgerRef, history: HistInvoice[]): Promise<RiskModel> {
  const now = deps.clock.now();
  const today = localDate(now, ledger.timezone);
  const model = trainModel(history, today);
  const params: StoredParams = { features: FEATURE_NAMES, model, evaluation: evaluateModel(history, today) };
  await deps.db
    .insert(riskModel)
    .values({ ledgerId: ledger.id, firmId: ledger.firmId, version: model.version, params, fittedAt: now })
    .onConflictDoUpdate({ target: riskModel.ledgerId, set: { version: model.version, params, fittedAt: now } });
  return model;
}

/**
 * The stored model if it is still good: same feature set (a release may add features), fitted
 * within a day, and not outgrown by a young ledger's history (the first sync pages arrive
 * one at a time, so a model fitted on page one must not stand for the whole book).
 */
async function usableModel(deps: RiskDeps, ledger: LedgerRef): Promise<RiskModel | null> {
  const [row] = await deps.db.select().from(riskModel).where(eq(riskModel.ledgerId, ledger.id));
  if (!row) return null;
  const params = row.params as StoredParams;
  if (
    !params?.model ||
    params.features.join() !== FEATURE_NAMES.join() ||
    !params.model.version.startsWith(MODEL_FAMILY)
  )
    return null;
  if (deps.clock.now().getTime() - row.fittedAt.getTime() > MODEL_MAX_AGE_MS) return null;
  const cap = Math.ceil(params.model.rows * GROWTH_REFIT) + 1;
  if (params.model.rows < MAX_TRAINING_ROWS) {
    // Counting stops at the cap: the cost stays flat however large the ledger.
    const capped = deps.db
      .select({ one: sql`1` })
      .from(invoice)
      .where(eq(invoice.ledgerId, ledger.id))
      .limit(cap)
      .as('capped');
    const [seen] = await deps.db.select({ n: count() }).from(capped);
    if ((seen?.n ?? 0) >= cap) return null;
  }
  return params.model;
}

/**
 * Full rescoring of a ledger: refit its model, then score every contact and open invoice and
 * drop the scores of invoices that are no longer open.
 */
export async function rescoreLedger(deps: RiskDeps, ledgerId: string): Promise<RescoreResult> {
  const ledger = await ledgerRef(deps.db, ledgerId);
  if (!ledger) return { ledgerId, modelVersion: '', contacts: 0, invoices: 0 };
  const history = await loadHistory(deps.db, ledger);
  const model = await fitAndStore(deps, ledger, history.invoices);
  const contacts = await deps.db.select({ id: contact.id }).from(contact).where(eq(contact.ledgerId, ledger.id));
  const counts = await scoreAndStore(
    deps,
    ledger,
    model,
    history,
    contacts.map((c) => c.id),
  );
  await deps.db.delete(riskScore).where(
    and(
      eq(riskScore.ledgerId, ledger.id),
      eq(riskScore.subjectType, 'invoice'),
      notInArray(
        riskScore.subjectId,
        deps.db
          .select({ id: invoice.id })
          .from(invoice)
          .where(and(eq(invoice.ledgerId, ledger.id), eq(invoice.status, 'open'))),
      ),
    ),
  );
  return { ledgerId, modelVersion: model.version, ...counts };
}

/**
 * Incremental rescoring after a change: only these contacts' history is read and scored, with
 * the ledger's stored model (fitted first when there is none or it is stale).
 */
export async function rescoreContacts(deps: RiskDeps, ledgerId: string, contactIds: string[]): Promise<RescoreResult> {
  const ledger = await ledgerRef(deps.db, ledgerId);
  if (!ledger || contactIds.length === 0) return { ledgerId, modelVersion: '', contacts: 0, invoices: 0 };
  const model =
    (await usableModel(deps, ledger)) ??
    (await fitAndStore(deps, ledger, (await loadHistory(deps.db, ledger)).invoices));
  const history = await loadHistory(deps.db, ledger, contactIds);
  const counts = await scoreAndStore(deps, ledger, model, history, contactIds);
  // Invoices of these contacts that were paid, voided or deleted keep no score. Ids first, and
  // only of closed invoices that still have a score (a handful, not a ledger's paid history), so
  // the delete probes the score index instead of scanning every score.
  const closed = (
    await deps.db
      .select({ id: invoice.id })
      .from(invoice)
      .innerJoin(riskScore, and(eq(riskScore.subjectType, 'invoice'), eq(riskScore.subjectId, invoice.id)))
      .where(and(inArray(invoice.contactId, contactIds), sql`${invoice.status} <> 'open'`))
  ).map((r) => r.id);
  if (closed.length)
    await deps.db
      .delete(riskScore)
      .where(and(eq(riskScore.subjectType, 'invoice'), inArray(riskScore.subjectId, closed)));
  return { ledgerId, modelVersion: model.version, ...counts };
}

async function scoreAndStore(
  deps: RiskDeps,
  ledger: LedgerRef,
  model: RiskModel,
  history: Awaited<ReturnType<typeof loadHistory>>,
  contactIds: string[],
) {
  const now = deps.clock.now();
  const asOf = localDate(now, ledger.timezone);
  const byContact = new Map<string, HistInvoice[]>(contactIds.map((id) => [id, []]));
  for (const i of history.invoices) byContact.get(i.contactId)?.push(i);
  const rows: (typeof riskScore.$inferInsert)[] = [];
  const row = (type: 'contact' | 'invoice', id: string, s: Score) => ({
    firmId: ledger.firmId,
    ledgerId: ledger.id,
    subjectType: type,
    subjectId: id,
    pLate: s.pLate.toFixed(4),
    pVeryLate: s.pVeryLate.toFixed(4),
    pSevere: s.pSevere.toFixed(4),
    band: s.band,
    predictedPayDate: s.predictedPayDate,
    payDateFrom: s.payDateFrom,
    payDateTo: s.payDateTo,
    pPaidWithin90: s.pPaidWithin90 === null ? null : s.pPaidWithin90.toFixed(4),
    reasons: s.reasons,
    modelVersion: s.modelVersion,
    computedAt: now,
  });
  let invoices = 0;
  for (const [contactId, mine] of byContact) {
    rows.push(row('contact', contactId, score(model, mine, contactId, asOf)));
    for (const inv of mine) {
      if (!history.openInvoiceIds.has(inv.id)) continue;
      rows.push(row('invoice', inv.id, score(model, mine, contactId, asOf, inv)));
      invoices++;
    }
  }
  for (let k = 0; k < rows.length; k += BATCH) {
    await deps.db
      .insert(riskScore)
      .values(rows.slice(k, k + BATCH))
      .onConflictDoUpdate({
        target: [riskScore.subjectType, riskScore.subjectId],
        set: excludedSet(riskScore, [
          'pLate',
          'pVeryLate',
          'pSevere',
          'band',
          'predictedPayDate',
          'payDateFrom',
          'payDateTo',
          'pPaidWithin90',
          'reasons',
          'modelVersion',
          'computedAt',
        ]),
      });
  }
  return { contacts: byContact.size, invoices };
}
