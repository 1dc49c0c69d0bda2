import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { agency, collectionState, handoff, handoffEvent } from '../../db/schema/index.ts';
import { restrict } from '../../domain/handoff/case-file.ts';
import { caseCsv, statementHtml } from '../../domain/handoff/exports.ts';
import { type AgencyStatus, canMove, type CaseStatus, isEnded } from '../../domain/handoff/status.ts';
import { formatUnits, mulRatio, parseAmount, roundToPlaces, SCALE } from '../../domain/money.ts';
import { ConflictError, NotFoundError, PreconditionError } from '../../errors.ts';
import { audit } from '../audit.ts';
import { emitEvent } from '../outbound/events.ts';
import { failureCode } from '../outbound/signed-post.ts';
import { assertCanAct, type ServiceContext } from '../context.ts';
import { replanContacts } from '../reminders/planning.ts';
import { type HandoffDeps, ledgerNotes, type Packet } from './approve.ts';
import { agencyOnRecord, getCase, loadCase } from './cases.ts';
import { type CaseDeliveryDeps, postSigned } from './deliver.ts';

type CaseRow = typeof handoff.$inferSelect;
export type StatusUpdate = { status: AgencyStatus; recoveredAmount?: string; agencyRef?: string; note?: string };

/**
 * Moves a case on (agency report or user action). The recovered amount is the total recovered so
 * far; commission follows from the agency's rate. A repeated status only updates the amounts.
 * Recovered money is tracked here, never written into the ledger as a payment.
 */
async function transition(db: Db, row: CaseRow, u: StatusUpdate, by: 'agency' | 'user', now: Date, dedupeKey?: string) {
  if (row.status !== u.status && !canMove(row.status, u.status))
    throw new ConflictError(`the case is ${row.status}; it cannot become ${u.status}`);
  if (row.status === u.status && isEnded(row.status)) throw new ConflictError(`the case is already ${row.status}`);
  const [ag] = row.agencyId
    ? await db.select({ rate: agency.commissionRate }).from(agency).where(eq(agency.id, row.agencyId))
    : [];
  const recovered = u.recoveredAmount !== undefined ? parseAmount(u.recoveredAmount) : parseAmount(row.recoveredAmount);
  // Rate is a 4-place decimal (0.2500 = 25 %): commission = recovered × rate, to the cent.
  const commission = ag?.rate ? roundToPlaces(mulRatio(recovered, parseAmount(ag.rate), 10n ** BigInt(SCALE)), 2) : 0n;
  await db
    .update(handoff)
    .set({
      status: u.status,
      recoveredAmount: formatUnits(recovered, SCALE),
      commissionAmount: formatUnits(commission, SCALE),
      agencyRef: u.agencyRef ?? row.agencyRef,
      endedAt: isEnded(u.status) ? now : null,
      updatedAt: now,
    })
    .where(eq(handoff.id, row.id));
  await db.insert(handoffEvent).values({
    firmId: row.firmId,
    handoffId: row.id,
    kind: 'status',
    data: {
      from: row.status,
      to: u.status,
      by,
      recoveredAmount: u.recoveredAmount ?? null,
      agencyRef: u.agencyRef ?? null,
      note: u.note ?? null,
    },
    dedupeKey: dedupeKey ?? null,
  });
  await emitEvent(
    db,
    row.firmId,
    'handoff.status_changed',
    {
      caseId: row.id,
      reference: row.reference,
      from: row.status,
      to: u.status,
      recoveredAmount: u.recoveredAmount ?? null,
      by,
    },
    now,
  );
}

/** A user records what the agency reported by phone or email. */
export async function recordStatus({ ctx, input }: { ctx: ServiceContext; input: { id: string } & StatusUpdate }) {
  await ctx.db.transaction(async (tx) => {
    const row = await loadCase(tx, ctx.firmId, input.id, true);
    assertCanAct(ctx, row.ledgerId);
    if (row.status === 'pending_approval') throw new PreconditionError('the case has not been sent to the agency yet');
    await transition(tx, row, input, 'user', ctx.clock.now());
  });
  return getCase({ ctx, input: { id: input.id } });
}

/**
 * A signed status callback from the agency. The case must be one sent to this agency; a
 * callback delivered twice (same webhook id) is recorded once.
 */
export async function applyCallback(
  db: Db,
  agencyId: string,
  webhookId: string,
  u: StatusUpdate & { caseId: string },
  now: Date,
) {
  return db.transaction(async (tx) => {
    const byRef = /^[0-9a-f-]{36}$/i.test(u.caseId) ? eq(handoff.id, u.caseId) : eq(handoff.reference, u.caseId);
    const [row] = await tx
      .select()
      .from(handoff)
      .where(and(eq(handoff.agencyId, agencyId), byRef))
      .for('update');
    if (!row) throw new NotFoundError('case');
    const [seen] = await tx
      .select({ id: handoffEvent.id })
      .from(handoffEvent)
      .where(and(eq(handoffEvent.handoffId, row.id), eq(handoffEvent.dedupeKey, webhookId)));
    if (seen) return { caseId: row.id, status: row.status, duplicate: true };
    if (row.status === 'pending_approval') throw new ConflictError('the case has not been delivered yet');
    await transition(tx, row, u, 'agency', now, webhookId);
    return { caseId: row.id, status: u.status as CaseStatus, duplicate: false };
  });
}

/**
 * Takes a case back from the agency (or withdraws one not yet sent): the invoices return to
 * normal handling, reminders are planned again, the ledger gets a note, and the agency is told.
 */
export async function recallCase(
  { ctx, input }: { ctx: ServiceContext; input: { id: string; reason?: string } },
  deps: HandoffDeps & Pick<CaseDeliveryDeps, 'cipher' | 'fetch'>,
) {
  const now = ctx.clock.now();
  const row = await ctx.db.transaction(async (tx) => {
    const r = await loadCase(tx, ctx.firmId, input.id, true);
    if (isEnded(r.status)) throw new ConflictError(`the case is already ${r.status}`);
    const to: CaseStatus = r.status === 'pending_approval' && !r.approvedAt ? 'closed' : 'recalled';
    await tx
      .update(handoff)
      .set({ status: to, endedAt: now, nextAttemptAt: null, updatedAt: now })
      .where(eq(handoff.id, r.id));
    await tx
      .update(collectionState)
      .set({ handedOffAt: null, updatedAt: now })
      .where(inArray(collectionState.invoiceId, r.invoiceIds));
    await tx.insert(handoffEvent).values({
      firmId: ctx.firmId,
      handoffId: r.id,
      kind: to === 'closed' ? 'withdrawn' : 'recalled',
      data: { reason: input.reason ?? null },
    });
    await audit(
      ctx,
      'handoff.recalled',
      { type: 'handoff', id: r.id },
      { from: r.status, reason: input.reason ?? null, ...(await agencyOnRecord(tx, r.agencyId)) },
      tx,
    );
    await emitEvent(
      tx,
      ctx.firmId,
      'handoff.status_changed',
      { caseId: r.id, reference: r.reference, from: r.status, to, by: 'user' },
      now,
    );
    return { ...r, newStatus: to };
  });
  await replanContacts(ctx, [row.contactId]);
  if (row.newStatus === 'recalled') {
    await ledgerNotes(
      ctx,
      row.ledgerId,
      row.invoiceIds,
      `overdue: case ${row.reference} recalled from the agency; reminders resume`,
    );
    await noticeToAgency(ctx, deps, row);
  }
  return getCase({ ctx, input: { id: row.id } });
}

/** Tells a webhook agency the case was recalled (best effort; an email agency is told by the user). */
async function noticeToAgency(ctx: ServiceContext, deps: Pick<CaseDeliveryDeps, 'cipher' | 'fetch'>, row: CaseRow) {
  const [ag] = row.agencyId ? await ctx.db.select().from(agency).where(eq(agency.id, row.agencyId)) : [];
  if (ag?.delivery.method !== 'webhook' || !row.sentAt) return;
  let status: number | string;
  try {
    status = await postSigned(
      { db: ctx.db, cipher: deps.cipher, clock: ctx.clock, fetch: deps.fetch },
      ag,
      `case-${row.id}-recalled`,
      { type: 'case.recalled', data: { caseId: row.id, reference: row.reference } },
    );
  } catch (err) {
    status = failureCode(err);
  }
  await ctx.db
    .insert(handoffEvent)
    .values({ firmId: ctx.firmId, handoffId: row.id, kind: 'recall_notice', data: { result: status } });
}

/** The case file as the agency receives it (allow-listed), for download; every export is audited. */
export async function exportCase({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { id: string; format: 'json' | 'csv' | 'html' };
}) {
  const row = await loadCase(ctx.db, ctx.firmId, input.id);
  assertCanAct(ctx, row.ledgerId);
  const packet = row.packet as Packet | null;
  if (!packet) throw new PreconditionError('the case file is taken when the case is approved');
  const file = restrict(packet.file, packet.allowList);
  await audit(
    ctx,
    'handoff.exported',
    { type: 'handoff', id: row.id },
    { format: input.format, fields: packet.allowList, ...(await agencyOnRecord(ctx.db, row.agencyId)) },
  );
  const name = file.reference;
  if (input.format === 'json')
    return { filename: `${name}.json`, contentType: 'application/json', body: JSON.stringify(file, null, 2) };
  if (input.format === 'csv')
    return { filename: `${name}.csv`, contentType: 'text/csv; charset=utf-8', body: caseCsv(file) };
  return { filename: `${name}-statement.html`, contentType: 'text/html; charset=utf-8', body: statementHtml(file) };
}

/** Sends a case again after delivery gave up (the user fixed the agency's endpoint, say). */
export async function redeliverCase({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const row = await loadCase(ctx.db, ctx.firmId, input.id);
  if (row.status !== 'pending_approval' || !row.approvedAt)
    throw new ConflictError('only an approved case not yet delivered can be sent again');
  await ctx.db
    .update(handoff)
    .set({ nextAttemptAt: ctx.clock.now(), deliveryAttempts: 0, lastError: null, updatedAt: ctx.clock.now() })
    .where(eq(handoff.id, row.id));
  return getCase({ ctx, input: { id: row.id } });
}
