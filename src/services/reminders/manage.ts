import { sha256 } from '../../lib/secrets.ts';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import {
  cadencePolicy,
  collectionState,
  contact,
  contactState,
  optOutLink,
  invoice,
  ledger,
  message,
  reminder,
  reminderItem,
} from '../../db/schema/index.ts';
import { addDays, type IsoDate, localDate, resolveTimeZone, zonedTimeToInstant } from '../../domain/dates.ts';
import { paymentPlanProblems } from '../../domain/cadence/payment-plan.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { audit } from '../audit.ts';
import { assertCanAct, inLedgerScope, type ServiceContext } from '../context.ts';
import { emitEvent } from '../outbound/events.ts';
import { approvalOf } from './approval.ts';
import { composeMessage } from './compose.ts';
import { replanContacts } from './planning.ts';
import { waitingFor } from './waiting.ts';
import { parentEmailOf, toAddresses } from './recipients.ts';

type Status = (typeof reminder.$inferSelect)['status'];
const planDeps = (ctx: ServiceContext) => ({ db: ctx.db, clock: ctx.clock, logger: ctx.logger });

export async function listReminders({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { status?: Status; ledgerId?: string; limit: number; offset?: number };
}) {
  const rows = await ctx.db
    .select({ r: reminder, contactName: contact.name })
    .from(reminder)
    .innerJoin(contact, eq(contact.id, reminder.contactId))
    .where(
      and(
        eq(reminder.firmId, ctx.firmId),
        inLedgerScope(ctx, reminder.ledgerId),
        input.status ? eq(reminder.status, input.status) : undefined,
        input.ledgerId ? eq(reminder.ledgerId, input.ledgerId) : undefined,
      ),
    )
    .orderBy(reminder.dueAt, reminder.id)
    .limit(input.limit)
    .offset(input.offset ?? 0);
  const items = rows.length
    ? await ctx.db
        .select({
          reminderId: reminderItem.reminderId,
          invoiceId: invoice.id,
          number: invoice.number,
          stepKey: reminderItem.stepKey,
          amountDue: invoice.amountDue,
          currency: invoice.currency,
        })
        .from(reminderItem)
        .innerJoin(invoice, eq(invoice.id, reminderItem.invoiceId))
        .where(
          inArray(
            reminderItem.reminderId,
            rows.map((r) => r.r.id),
          ),
        )
    : [];
  return rows.map(({ r, contactName }) => ({
    id: r.id,
    ledgerId: r.ledgerId,
    contactId: r.contactId,
    contactName,
    stepKey: r.stepKey,
    template: r.templateKey,
    kind: r.kind,
    status: r.status,
    dueAt: r.dueAt.toISOString(),
    statusReason: r.statusReason,
    gateResults: r.gateResults ?? [],
    invoices: items.filter((i) => i.reminderId === r.id).map(({ reminderId: _, ...i }) => i),
  }));
}

/** Safe mode: nothing goes out until approved. Approves the given reminders, or all of a ledger's. */
export async function approveReminders({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ids?: string[]; ledgerId?: string };
}) {
  const rows = await ctx.db
    .update(reminder)
    .set({ status: 'scheduled', statusReason: null, updatedAt: ctx.clock.now() })
    .where(waitingFor(ctx, input))
    .returning();
  // Each approval records the message as it stands: what goes out later must be the same message.
  const now = ctx.clock.now();
  for (const rem of rows) {
    const { invoices, rendered, to } = await mirrorMessage(ctx.db, rem, now);
    const approval = approvalOf(
      { to: to.join(', '), template: rem.templateKey, subject: rendered.subject, invoices },
      now,
    );
    await ctx.db.update(reminder).set({ approval }).where(eq(reminder.id, rem.id));
  }
  await audit(
    ctx,
    'reminders.approve',
    { type: 'reminder', id: input.ledgerId ?? 'selection' },
    { count: rows.length, ids: rows.map((r) => r.id) },
  );
  return { approved: rows.length };
}

/** The message a reminder would send now, from the mirror (no provider call, nothing sent). */
export async function previewReminder({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const [rem] = await ctx.db
    .select()
    .from(reminder)
    .where(and(eq(reminder.id, input.id), eq(reminder.firmId, ctx.firmId)));
  if (!rem) throw new NotFoundError('reminder');
  assertCanAct(ctx, rem.ledgerId);
  const { l, rendered, to } = await mirrorMessage(ctx.db, rem, ctx.clock.now());
  return { to: to.join(', ') || null, fromName: l.legalName ?? l.name, ...rendered };
}

async function mirrorMessage(db: Db, rem: typeof reminder.$inferSelect, now: Date) {
  const [c] = await db.select().from(contact).where(eq(contact.id, rem.contactId));
  const [l] = await db.select().from(ledger).where(eq(ledger.id, rem.ledgerId));
  const invoices = (
    await db
      .select({ i: invoice })
      .from(reminderItem)
      .innerJoin(invoice, eq(invoice.id, reminderItem.invoiceId))
      .where(eq(reminderItem.reminderId, rem.id))
  ).map((x) => x.i);
  const today = localDate(now, resolveTimeZone(c!.timezone, l!.timezone));
  const rendered = composeMessage({
    templateKey: rem.templateKey,
    contactRow: c!,
    ledgerRow: l!,
    invoices,
    today,
    optOutLink: '(opt-out link)',
  });
  return { c: c!, l: l!, invoices, rendered, to: toAddresses(c!, invoices, await parentEmailOf(db, c!)) };
}

export type InvoiceCollectionInput = {
  invoiceId: string;
  dispute?: { reason: string } | null;
  promiseToPayUntil?: string | null;
  paymentPlan?: { dueDate: string; amount: string }[] | null;
  excluded?: boolean;
};

/** Dispute, promise-to-pay, payment plan, exclusion: recorded, audited, and the contact replanned. */
export async function setInvoiceCollection({ ctx, input }: { ctx: ServiceContext; input: InvoiceCollectionInput }) {
  const [inv] = await ctx.db
    .select()
    .from(invoice)
    .where(and(eq(invoice.id, input.invoiceId), eq(invoice.firmId, ctx.firmId)));
  if (!inv) throw new NotFoundError('invoice');
  assertCanAct(ctx, inv.ledgerId);
  if (input.paymentPlan) {
    const problems =
      inv.status === 'open'
        ? paymentPlanProblems(input.paymentPlan, inv)
        : [{ path: 'paymentPlan', message: `the invoice is ${inv.status}, not open` }];
    if (problems.length)
      throw new ValidationError(`payment plan refused: ${problems.map((p) => p.message).join('; ')}`, problems);
  }
  const set = {
    ...(input.dispute !== undefined
      ? { disputedAt: input.dispute ? ctx.clock.now() : null, disputeReason: input.dispute?.reason ?? null }
      : {}),
    ...(input.promiseToPayUntil !== undefined ? { promiseToPayUntil: input.promiseToPayUntil } : {}),
    ...(input.paymentPlan !== undefined ? { paymentPlan: input.paymentPlan } : {}),
    ...(input.excluded !== undefined ? { excluded: input.excluded } : {}),
    updatedAt: ctx.clock.now(),
  };
  await ctx.db
    .insert(collectionState)
    .values({ invoiceId: inv.id, firmId: inv.firmId, ledgerId: inv.ledgerId, ...set })
    .onConflictDoUpdate({ target: collectionState.invoiceId, set });
  await audit(ctx, 'invoice.collection', { type: 'invoice', id: inv.id }, input);
  const about = { invoiceId: inv.id, invoiceNumber: inv.number, ledgerId: inv.ledgerId, contactId: inv.contactId };
  if (input.promiseToPayUntil)
    await emitEvent(
      ctx.db,
      ctx.firmId,
      'promise.made',
      { ...about, promisedBy: input.promiseToPayUntil },
      ctx.clock.now(),
    );
  if (input.dispute)
    await emitEvent(ctx.db, ctx.firmId, 'dispute.opened', { ...about, reason: input.dispute.reason }, ctx.clock.now());
  if (inv.contactId) await replanContacts(planDeps(ctx), [inv.contactId]);
  const [row] = await ctx.db.select().from(collectionState).where(eq(collectionState.invoiceId, inv.id));
  return {
    invoiceId: inv.id,
    disputed: !!row!.disputedAt,
    disputeReason: row!.disputeReason,
    promiseToPayUntil: row!.promiseToPayUntil,
    paymentPlan: row!.paymentPlan,
    excluded: row!.excluded,
  };
}

export type ContactCollectionInput = {
  contactId: string;
  pausedUntil?: Date | null;
  /** A calendar date: paused through the whole of that day in the ledger's zone. */
  pausedThrough?: IsoDate;
  excluded?: boolean;
  optedOut?: boolean;
  policyId?: string | null;
};

export async function setContactCollection({ ctx, input }: { ctx: ServiceContext; input: ContactCollectionInput }) {
  const [c] = await ctx.db
    .select()
    .from(contact)
    .where(and(eq(contact.id, input.contactId), eq(contact.firmId, ctx.firmId)));
  if (!c) throw new NotFoundError('contact');
  assertCanAct(ctx, c.ledgerId);
  if (input.policyId) {
    const [p] = await ctx.db
      .select({ id: cadencePolicy.id })
      .from(cadencePolicy)
      .where(and(eq(cadencePolicy.id, input.policyId), eq(cadencePolicy.firmId, ctx.firmId)));
    if (!p) throw new NotFoundError('policy');
  }
  const through = input.pausedThrough
    ? (await ctx.db.select({ tz: ledger.timezone }).from(ledger).where(eq(ledger.id, c.ledgerId)))[0]
    : undefined;
  const pausedUntil = input.pausedThrough
    ? zonedTimeToInstant(addDays(input.pausedThrough, 1), '00:00', through?.tz ?? 'UTC')
    : input.pausedUntil;
  const set = {
    ...(pausedUntil !== undefined ? { pausedUntil } : {}),
    ...(input.excluded !== undefined ? { excluded: input.excluded } : {}),
    ...(input.optedOut !== undefined ? { optedOutAt: input.optedOut ? ctx.clock.now() : null } : {}),
    ...(input.policyId !== undefined ? { policyId: input.policyId } : {}),
    updatedAt: ctx.clock.now(),
  };
  await ctx.db
    .insert(contactState)
    .values({ contactId: c.id, firmId: c.firmId, ledgerId: c.ledgerId, ...set })
    .onConflictDoUpdate({ target: contactState.contactId, set });
  await audit(
    ctx,
    'contact.collection',
    { type: 'contact', id: c.id },
    { ...input, ...(pausedUntil !== undefined ? { pausedUntil } : {}) },
  );
  await replanContacts(planDeps(ctx), [c.id]);
  return { contactId: c.id, replanned: true };
}

/** The public opt-out link: stops every reminder to that contact. */
export async function optOutByToken(
  deps: { db: ServiceContext['db']; clock: ServiceContext['clock']; logger: ServiceContext['logger'] },
  token: string,
) {
  const [link] = await deps.db
    .select({ contactId: optOutLink.contactId, firmId: optOutLink.firmId, ledgerId: contact.ledgerId })
    .from(optOutLink)
    .innerJoin(contact, eq(contact.id, optOutLink.contactId))
    .where(eq(optOutLink.digest, sha256(token)));
  if (!link) throw new NotFoundError('opt-out link');
  const now = deps.clock.now();
  await deps.db
    .insert(contactState)
    .values({ contactId: link.contactId, firmId: link.firmId, ledgerId: link.ledgerId, optedOutAt: now })
    .onConflictDoUpdate({ target: contactState.contactId, set: { optedOutAt: now } });
  await replanContacts(deps, [link.contactId]);
  return { contactId: link.contactId };
}

/** Per step: invoices reminded, and how many of those were paid within 7 days of the message. */
export async function reminderEffectiveness({ ctx, input }: { ctx: ServiceContext; input: { ledgerId?: string } }) {
  return queryRows<{ step: string; reminded: number; paid_within_7_days: number }>(
    ctx.db,
    sql`select ri.step_key as step, count(*)::int as reminded,
          count(*) filter (where i.paid_at is not null and i.paid_at >= m.sent_at and i.paid_at < m.sent_at + interval '7 days')::int as paid_within_7_days
        from ${reminderItem} ri
        join ${reminder} r on r.id = ri.reminder_id and r.status = 'sent'
        join ${message} m on m.reminder_id = r.id and m.sent_at is not null
        join ${invoice} i on i.id = ri.invoice_id
        where r.firm_id = ${ctx.firmId} ${input.ledgerId ? sql`and r.ledger_id = ${input.ledgerId}` : sql``}
        group by ri.step_key order by ri.step_key`,
  ).then((rows) =>
    rows.map((r) => ({
      step: r.step,
      reminded: r.reminded,
      paidWithin7Days: r.paid_within_7_days,
      rate: r.reminded ? Math.round((1000 * r.paid_within_7_days) / r.reminded) / 1000 : 0,
    })),
  );
}

/** The outbox and communication log: every message, newest first. */
export async function listMessages({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId?: string; contactId?: string; limit: number };
}) {
  const rows = await ctx.db
    .select()
    .from(message)
    .where(
      and(
        eq(message.firmId, ctx.firmId),
        inLedgerScope(ctx, message.ledgerId),
        input.ledgerId ? eq(message.ledgerId, input.ledgerId) : undefined,
        input.contactId ? eq(message.contactId, input.contactId) : undefined,
      ),
    )
    .orderBy(desc(message.createdAt))
    .limit(input.limit);
  return rows.map((m) => ({
    id: m.id,
    ledgerId: m.ledgerId,
    contactId: m.contactId,
    reminderId: m.reminderId,
    status: m.status,
    to: m.toAddresses,
    cc: m.ccAddresses,
    subject: m.subject,
    text: m.text,
    html: m.html,
    templateKey: m.templateKey,
    templateVersion: m.templateVersion,
    gateResults: m.gateResults ?? [],
    ledgerSnapshotHash: m.ledgerSnapshotHash,
    sentAt: m.sentAt?.toISOString() ?? null,
    createdAt: m.createdAt.toISOString(),
    error: m.error,
  }));
}
