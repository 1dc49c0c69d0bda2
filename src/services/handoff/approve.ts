import { eq, inArray, sql } from 'drizzle-orm';
import { agency, collectionState, handoff, handoffEvent, invoice, ledger } from '../../db/schema/index.ts';
import { add, formatUnits, parseAmount, SCALE } from '../../domain/money.ts';
import { AppError, ConflictError, PreconditionError } from '../../errors.ts';
import { audit } from '../audit.ts';
import type { ConnectorResolver } from '../connectors.ts';
import { queueNotes } from '../ledger-notes.ts';
import type { ServiceContext } from '../context.ts';
import { replanContacts } from '../reminders/planning.ts';
import { buildCaseFile } from './case-file.ts';
import { loadCase } from './cases.ts';

export type HandoffDeps = { resolve: ConnectorResolver };
/** What approval stores: the full snapshot and the allow-list in force, so what leaves is fixed. */
export type Packet = { file: Awaited<ReturnType<typeof buildCaseFile>>; allowList: string[] };

/**
 * Approves one case: checks the agency has a data-processing agreement on file and that no
 * invoice is disputed, drops invoices paid since the case was opened, snapshots the case file,
 * marks the invoices handed off and queues delivery. Then pending reminders for those invoices
 * are cancelled (replanning) and each invoice gets a note in the ledger.
 */
export async function approveCase({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const now = ctx.clock.now();
  const result = await ctx.db.transaction(async (tx) => {
    const row = await loadCase(tx, ctx.firmId, input.id, true);
    if (row.status !== 'pending_approval' || row.approvedAt)
      throw new ConflictError(row.approvedAt ? 'the case is already approved' : `the case is ${row.status}`);
    if (!row.agencyId) throw new PreconditionError('choose an agency for this case before approving it');
    const [ag] = await tx.select().from(agency).where(eq(agency.id, row.agencyId));
    if (!ag) throw new PreconditionError('choose an agency for this case before approving it');
    if (!ag.dpaReference)
      throw new PreconditionError(
        `${ag.name} has no data-processing agreement on file: add its reference before the first case goes to it`,
      );
    const invs = await tx
      .select({ inv: invoice, state: collectionState })
      .from(invoice)
      .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
      .where(inArray(invoice.id, row.invoiceIds));
    const disputed = invs.find((i) => i.state?.disputedAt);
    if (disputed)
      throw new PreconditionError(
        `invoice ${disputed.inv.number ?? disputed.inv.id} is disputed: disputed invoices are never handed off`,
      );
    const still = invs.filter((i) => i.inv.status === 'open' && parseAmount(i.inv.amountDue) > 0n);
    if (still.length === 0) {
      await tx
        .update(handoff)
        .set({
          status: 'closed',
          endedAt: now,
          reason: `${row.reason ?? ''} (closed: paid before approval)`.trim(),
          updatedAt: now,
        })
        .where(eq(handoff.id, row.id));
      await tx
        .insert(handoffEvent)
        .values({ firmId: ctx.firmId, handoffId: row.id, kind: 'closed', data: { why: 'nothing left to collect' } });
      return { row, approved: false as const };
    }
    const invoiceIds = still.map((i) => i.inv.id).sort();
    const amount = formatUnits(add(...still.map((i) => parseAmount(i.inv.amountDue))), SCALE);
    const file = await buildCaseFile(tx, { ...row, invoiceIds, amount }, now);
    const packet: Packet = { file, allowList: ag.fieldAllowList };
    const [updated] = await tx
      .update(handoff)
      .set({
        invoiceIds,
        amount,
        packet,
        approvedAt: now,
        approvedBy: ctx.actor.type === 'user' ? ctx.actor.userId : null,
        nextAttemptAt: now,
        deliveryAttempts: 0,
        lastError: null,
        updatedAt: now,
      })
      .where(eq(handoff.id, row.id))
      .returning();
    await tx
      .insert(collectionState)
      .values(invoiceIds.map((id) => ({ invoiceId: id, firmId: ctx.firmId, ledgerId: row.ledgerId, handedOffAt: now })))
      .onConflictDoUpdate({
        target: collectionState.invoiceId,
        set: { handedOffAt: sql`excluded.handed_off_at`, updatedAt: now },
      });
    await tx.insert(handoffEvent).values({
      firmId: ctx.firmId,
      handoffId: row.id,
      kind: 'approved',
      data: { invoices: invoiceIds.length, amount, agencyId: ag.id },
    });
    await audit(
      ctx,
      'handoff.approved',
      { type: 'handoff', id: row.id },
      {
        agencyId: ag.id,
        agencyName: ag.name,
        dpaReference: ag.dpaReference,
        amount,
        currency: row.currency,
        invoices: invoiceIds.length,
        fields: ag.fieldAllowList,
      },
      tx,
    );
    return { row: updated!, approved: true as const, agencyName: ag.name };
  });
  if (!result.approved) return { id: result.row.id, status: 'closed' as const };
  await replanContacts(ctx, [result.row.contactId]);
  await ledgerNotes(
    ctx,
    result.row.ledgerId,
    result.row.invoiceIds,
    `overdue: handed to ${result.agencyName} for collection (case ${result.row.reference})`,
  );
  return { id: result.row.id, status: 'approved' as const };
}

/** Bulk approval: each case on its own, so one refusal does not block the rest. */
export async function approveCases({ ctx, input }: { ctx: ServiceContext; input: { ids: string[] } }) {
  const results = [];
  for (const id of [...new Set(input.ids)]) {
    try {
      results.push(await approveCase({ ctx, input: { id } }));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ id, status: 'refused' as const, error: { code: err.code, message: err.message } });
    }
  }
  return { results };
}

/** History on the ledger's invoices (the only write-back), queued for the notes lane. */
export async function ledgerNotes(ctx: ServiceContext, ledgerId: string, invoiceIds: string[], note: string) {
  const [l] = await ctx.db.select().from(ledger).where(eq(ledger.id, ledgerId));
  if (!l || invoiceIds.length === 0) return;
  const refs = await ctx.db
    .select({ externalId: invoice.externalId })
    .from(invoice)
    .where(inArray(invoice.id, invoiceIds));
  await queueNotes(
    ctx.db,
    l,
    'handoff',
    refs.map((r) => r.externalId),
    note,
    ctx.clock.now(),
  );
}
