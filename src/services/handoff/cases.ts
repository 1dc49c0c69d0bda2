import { randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import {
  agency,
  collectionState,
  contact,
  contactState,
  handoff,
  handoffEvent,
  invoice,
  ledger,
  reminder,
  reminderItem,
  riskScore,
} from '../../db/schema/index.ts';
import { localDate } from '../../domain/dates.ts';
import { type CandidateInvoice, HandoffRuleSchema, proposeCases } from '../../domain/handoff/rules.ts';
import { ACTIVE_STATUSES, type CaseStage, type CaseStatus, caseStage } from '../../domain/handoff/status.ts';
import { add, formatUnits, parseAmount, SCALE } from '../../domain/money.ts';
import { ConflictError, NotFoundError, PreconditionError, ValidationError } from '../../errors.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { assertCanAct, inLedgerScope, type ServiceContext } from '../context.ts';
import { policiesFor } from '../reminders/policies.ts';

/** A short reference people can quote on the phone: OD- and 8 letters/digits without look-alikes. */
function caseReference(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return `OD-${[...randomBytes(8)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

const ACTIVE = ACTIVE_STATUSES as CaseStatus[];

/** Invoice ids already held by a live case in these ledgers. */
async function invoicesInCases(db: Db, ledgerIds: string[]): Promise<Set<string>> {
  const rows = await db
    .select({ ids: handoff.invoiceIds })
    .from(handoff)
    .where(and(inArray(handoff.ledgerId, ledgerIds), inArray(handoff.status, ACTIVE)));
  return new Set(rows.flatMap((r) => r.ids));
}

/**
 * Runs the ledger's hand-off rule (and its cadences' hand-off steps) and opens a case awaiting
 * approval for each customer that qualifies. Nothing is sent: a person approves first. Running
 * twice opens nothing new (one live case per customer and currency, enforced by the database).
 */
export async function proposeForLedger(
  deps: { db: Db; clock: Clock; logger: Logger },
  ledgerId: string,
): Promise<number> {
  const { db } = deps;
  const [l] = await db.select().from(ledger).where(eq(ledger.id, ledgerId));
  if (l?.status !== 'active') return 0;
  const parsed = HandoffRuleSchema.safeParse((l.settings as { handoff?: unknown }).handoff ?? {});
  if (!parsed.success) {
    deps.logger.warn('hand-off rule invalid; skipped', { ledgerId });
    return 0;
  }
  const rule = parsed.data;
  const today = localDate(deps.clock.now(), l.timezone);
  const open = await db
    .select({ inv: invoice, state: collectionState })
    .from(invoice)
    .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
    .where(
      and(
        eq(invoice.ledgerId, l.id),
        eq(invoice.status, 'open'),
        isNotNull(invoice.dueDate),
        isNotNull(invoice.contactId),
        sql`${invoice.dueDate} < ${today}`,
      ),
    );
  if (open.length === 0) return 0;
  const ids = open.map((o) => o.inv.id);
  const held = await invoicesInCases(db, [l.id]);
  const sent = await db
    .select({
      invoiceId: reminderItem.invoiceId,
      stepKey: reminderItem.stepKey,
      kind: reminder.kind,
      status: reminder.status,
    })
    .from(reminderItem)
    .innerJoin(reminder, eq(reminder.id, reminderItem.reminderId))
    .where(and(inArray(reminderItem.invoiceId, ids), inArray(reminder.status, ['sent', 'skipped'])));
  const contactIds = [...new Set(open.map((o) => o.inv.contactId!))];
  const contactRows = await db
    .select({ id: contact.id, ledgerId: contact.ledgerId, policyId: contactState.policyId })
    .from(contact)
    .leftJoin(contactState, eq(contactState.contactId, contact.id))
    .where(inArray(contact.id, contactIds));
  const policies = await policiesFor(db, l.firmId, contactRows, new Map([[l.id, l]]));
  const bands = new Map(
    (
      await db
        .select({ id: riskScore.subjectId, band: riskScore.band })
        .from(riskScore)
        .where(and(eq(riskScore.subjectType, 'contact'), inArray(riskScore.subjectId, contactIds)))
    ).map((b) => [b.id, b.band]),
  );
  const [ag] = rule.agencyId
    ? await db
        .select()
        .from(agency)
        .where(and(eq(agency.id, rule.agencyId), eq(agency.firmId, l.firmId)))
    : [];
  let created = 0;
  for (const contactId of contactIds) {
    const lastEmail = policies
      .get(contactId)
      ?.steps.filter((s) => s.kind === 'email')
      .at(-1)?.key;
    const candidates: CandidateInvoice[] = open
      .filter((o) => o.inv.contactId === contactId)
      .map(({ inv, state }) => {
        const mine = sent.filter((s) => s.invoiceId === inv.id);
        return {
          id: inv.id,
          number: inv.number,
          dueDate: inv.dueDate!,
          amountDue: inv.amountDue,
          currency: inv.currency,
          disputed: !!state?.disputedAt,
          excluded: !!state?.excluded,
          inCase: held.has(inv.id) || !!state?.handedOffAt,
          cadenceDone: mine.some((s) => s.status === 'sent' && s.stepKey === lastEmail),
          handoffStepReached: mine.some((s) => s.kind === 'handoff'),
        };
      });
    for (const p of proposeCases(rule, candidates, bands.get(contactId) ?? null, today, ag?.minAmount ?? '0')) {
      const viaStep = candidates.some((c) => c.handoffStepReached && p.invoiceIds.includes(c.id));
      const [row] = await db
        .insert(handoff)
        .values({
          firmId: l.firmId,
          ledgerId: l.id,
          contactId,
          agencyId: ag?.id ?? null,
          invoiceIds: p.invoiceIds,
          amount: p.amount,
          currency: p.currency,
          reason: p.reason,
          origin: viaStep ? 'cadence' : 'rule',
          reference: caseReference(),
        })
        .onConflictDoNothing()
        .returning({ id: handoff.id });
      if (!row) continue;
      await db.insert(handoffEvent).values({
        firmId: l.firmId,
        handoffId: row.id,
        kind: 'proposed',
        data: { origin: viaStep ? 'cadence' : 'rule', reason: p.reason },
      });
      created++;
    }
  }
  if (created) deps.logger.info('hand-off cases proposed', { ledgerId, created });
  return created;
}

/**
 * A person opens a case for a customer: the given open invoices, or all its overdue ones. A
 * disputed invoice is refused with a clear error: it is never handed off.
 */
export async function createCase({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { contactId: string; invoiceIds?: string[]; agencyId?: string | null; reason?: string };
}) {
  const [c] = await ctx.db
    .select()
    .from(contact)
    .where(and(eq(contact.id, input.contactId), eq(contact.firmId, ctx.firmId)));
  if (!c) throw new NotFoundError('contact');
  assertCanAct(ctx, c.ledgerId);
  const [l] = await ctx.db.select().from(ledger).where(eq(ledger.id, c.ledgerId));
  if (input.agencyId) {
    const [a] = await ctx.db
      .select({ id: agency.id })
      .from(agency)
      .where(and(eq(agency.id, input.agencyId), eq(agency.firmId, ctx.firmId)));
    if (!a) throw new NotFoundError('agency');
  }
  const today = localDate(ctx.clock.now(), l!.timezone);
  const rows = await ctx.db
    .select({ inv: invoice, state: collectionState })
    .from(invoice)
    .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
    .where(
      and(
        eq(invoice.contactId, c.id),
        eq(invoice.status, 'open'),
        input.invoiceIds ? inArray(invoice.id, input.invoiceIds) : sql`${invoice.dueDate} < ${today}`,
      ),
    );
  if (input.invoiceIds && rows.length !== new Set(input.invoiceIds).size)
    throw new ValidationError('every invoice must be an open invoice of this customer');
  const disputed = rows.find((r) => r.state?.disputedAt);
  if (disputed)
    throw new PreconditionError(
      `invoice ${disputed.inv.number ?? disputed.inv.id} is disputed: disputed invoices are never handed off`,
    );
  const chosen = rows.filter((r) => parseAmount(r.inv.amountDue) > 0n && !r.state?.excluded);
  if (chosen.length === 0) throw new PreconditionError('this customer has no overdue invoice to hand off');
  const currencies = new Set(chosen.map((r) => r.inv.currency));
  if (currencies.size > 1) throw new ValidationError('a case is in one currency: choose invoices of one currency');
  const held = await invoicesInCases(ctx.db, [l!.id]);
  if (chosen.some((r) => held.has(r.inv.id)))
    throw new ConflictError('some of these invoices are already in a live case');
  const amount = formatUnits(add(...chosen.map((r) => parseAmount(r.inv.amountDue))), SCALE);
  const [row] = await ctx.db
    .insert(handoff)
    .values({
      firmId: ctx.firmId,
      ledgerId: l!.id,
      contactId: c.id,
      agencyId: input.agencyId ?? null,
      invoiceIds: chosen.map((r) => r.inv.id).sort(),
      amount,
      currency: [...currencies][0]!,
      reason: input.reason ?? 'opened by hand',
      origin: 'user',
      reference: caseReference(),
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ConflictError('this customer already has a live case in this currency');
  await ctx.db
    .insert(handoffEvent)
    .values({ firmId: ctx.firmId, handoffId: row.id, kind: 'proposed', data: { origin: 'user', reason: row.reason } });
  return caseView(row, c.name, null);
}

type CaseRow = typeof handoff.$inferSelect;
const caseView = (r: CaseRow, contactName: string | null, agencyName: string | null) => ({
  id: r.id,
  reference: r.reference,
  ledgerId: r.ledgerId,
  contactId: r.contactId,
  contactName,
  agencyId: r.agencyId,
  agencyName,
  status: r.status,
  stage: caseStage(r),
  origin: r.origin,
  invoiceIds: r.invoiceIds,
  amount: r.amount,
  currency: r.currency,
  reason: r.reason,
  recoveredAmount: r.recoveredAmount,
  commissionAmount: r.commissionAmount,
  agencyRef: r.agencyRef,
  approvedAt: r.approvedAt?.toISOString() ?? null,
  sentAt: r.sentAt?.toISOString() ?? null,
  delivery: {
    attempts: r.deliveryAttempts,
    nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
    lastError: r.lastError,
  },
  createdAt: r.createdAt.toISOString(),
});

export async function listCases({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId?: string; status?: CaseStatus; stage?: CaseStage; limit: number };
}) {
  // Stages split pending_approval by approval and by whether delivery is still being retried.
  const pending = eq(handoff.status, 'pending_approval');
  const stage =
    input.stage === 'awaiting_approval'
      ? and(pending, isNull(handoff.approvedAt))
      : input.stage === 'approved'
        ? and(pending, isNotNull(handoff.approvedAt), isNotNull(handoff.nextAttemptAt))
        : input.stage === 'undelivered'
          ? and(pending, isNotNull(handoff.approvedAt), isNull(handoff.nextAttemptAt))
          : input.stage
            ? eq(handoff.status, input.stage)
            : undefined;
  const rows = await ctx.db
    .select({ h: handoff, contactName: contact.name, agencyName: agency.name })
    .from(handoff)
    .innerJoin(contact, eq(contact.id, handoff.contactId))
    .leftJoin(agency, eq(agency.id, handoff.agencyId))
    .where(
      and(
        eq(handoff.firmId, ctx.firmId),
        inLedgerScope(ctx, handoff.ledgerId),
        input.ledgerId ? eq(handoff.ledgerId, input.ledgerId) : undefined,
        input.status ? eq(handoff.status, input.status) : undefined,
        stage,
      ),
    )
    .orderBy(desc(handoff.createdAt))
    .limit(input.limit);
  return rows.map((r) => caseView(r.h, r.contactName, r.agencyName));
}

/** The firm's case (404 for anyone else's), optionally locked for update inside a transaction. */
export async function loadCase(db: Db, firmId: string, id: string, lock = false): Promise<CaseRow> {
  const q = db
    .select()
    .from(handoff)
    .where(and(eq(handoff.id, id), eq(handoff.firmId, firmId)));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('case');
  return row;
}

export async function getCase({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const row = await loadCase(ctx.db, ctx.firmId, input.id);
  assertCanAct(ctx, row.ledgerId);
  const [c] = await ctx.db.select({ name: contact.name }).from(contact).where(eq(contact.id, row.contactId));
  const [a] = row.agencyId
    ? await ctx.db.select({ name: agency.name }).from(agency).where(eq(agency.id, row.agencyId))
    : [];
  const events = await ctx.db
    .select()
    .from(handoffEvent)
    .where(eq(handoffEvent.handoffId, row.id))
    .orderBy(handoffEvent.at);
  return {
    ...caseView(row, c?.name ?? null, a?.name ?? null),
    events: events.map((e) => ({ kind: e.kind, data: e.data, at: e.at.toISOString() })),
  };
}

/** Sets the agency of a case still waiting for approval. */
export async function assignAgency({ ctx, input }: { ctx: ServiceContext; input: { id: string; agencyId: string } }) {
  const row = await loadCase(ctx.db, ctx.firmId, input.id);
  if (row.status !== 'pending_approval' || row.approvedAt)
    throw new ConflictError('the agency can only change before approval');
  const [a] = await ctx.db
    .select({ id: agency.id })
    .from(agency)
    .where(and(eq(agency.id, input.agencyId), eq(agency.firmId, ctx.firmId)));
  if (!a) throw new NotFoundError('agency');
  await ctx.db.update(handoff).set({ agencyId: a.id, updatedAt: ctx.clock.now() }).where(eq(handoff.id, row.id));
  return getCase({ ctx, input: { id: row.id } });
}

/**
 * Who a case went (or goes) to, as every hand-off audit row records it: the agency by id and name
 * and the data-processing agreement under which the debtor's data is shared.
 */
export async function agencyOnRecord(db: Db, agencyId: string | null) {
  const [ag] = agencyId
    ? await db
        .select({ name: agency.name, dpaReference: agency.dpaReference })
        .from(agency)
        .where(eq(agency.id, agencyId))
    : [];
  return { agencyId, agencyName: ag?.name ?? null, dpaReference: ag?.dpaReference ?? null };
}
