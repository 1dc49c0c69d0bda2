import { ledgerSettings } from '../../domain/ledger-settings.ts';
import { emitEvent } from '../outbound/events.ts';
import { queueNotes, reminderNoteKind } from '../ledger-notes.ts';
import { createHash } from 'node:crypto';
import { and, eq, gt, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import {
  collectionState,
  contact,
  contactState,
  optOutLink,
  type GateResult,
  invoice,
  ledger,
  message,
  reminder,
  reminderItem,
} from '../../db/schema/index.ts';
import { isValidTimeZone, localDate, resolveTimeZone } from '../../domain/dates.ts';
import { holidaysFor } from '../../domain/cadence/holidays.ts';
import { policyStepKey } from '../../domain/cadence/planner.ts';
import type { Rendered } from '../../domain/cadence/templates.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { randomToken, sha256 } from '../../lib/secrets.ts';
import { MailError, type Mailer } from '../../notify/mailer.ts';
import type { ConnectorResolver } from '../connectors.ts';
import { approvalOf, changedSince } from './approval.ts';
import { type PresendRead, refreshBeforeSends } from './presend.ts';
import { composeMessage } from './compose.ts';
import { availableCredit, creditCovers } from './credit.ts';
import { contactGates, invoiceGate } from './gates.ts';
import { policiesFor } from './policies.ts';
import { finish, holdBack, type Outcome, retryUnsent, stillClaimed } from './claim-outcomes.ts';
import { heldSince, notHeldSince } from '../invoice-holds.ts';
import { ccAddresses, parentEmailOf, toAddresses } from './recipients.ts';

export type DeliverDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  resolve: ConnectorResolver;
  mailer: Mailer;
  publicUrl: string;
  mailFrom: string;
};

const TEMPLATE_VERSION = 'builtin-1';
/** What a delivery has got to; the tick reads it when a delivery fails unexpectedly. */
export type DeliveryProgress = { mailStarted: boolean };

/**
 * Sends one reminder the tick has claimed (status `sending`). Every invoice is fetched from the
 * provider first; the gates run on that fresh state; only then is anything sent. The outcome and
 * every gate's result are recorded on the reminder and, when sent, on the message.
 */
export async function deliverReminder(
  deps: DeliverDeps,
  reminderId: string,
  progress: DeliveryProgress = { mailStarted: false },
  /** The tick's read of the ledger for its whole batch; without it this send reads for itself. */
  batchRead?: PresendRead,
): Promise<Outcome> {
  const { db } = deps;
  const now = deps.clock.now();
  const [rem] = await db.select().from(reminder).where(eq(reminder.id, reminderId));
  if (rem?.status !== 'sending') return 'skipped';
  const [{ c: before, s } = { c: undefined, s: undefined }] = await db
    .select({ c: contact, s: contactState })
    .from(contact)
    .leftJoin(contactState, eq(contactState.contactId, contact.id))
    .where(eq(contact.id, rem.contactId));
  const [l] = await db.select().from(ledger).where(eq(ledger.id, rem.ledgerId));
  if (!before || !l) return finish(db, rem, 'cancelled', 'contact or ledger no longer exists', []);
  let c = before;
  const tz = resolveTimeZone(c.timezone, l.timezone);
  const isHoliday = holidaysFor(l.country);
  const policy = (
    await policiesFor(db, l.firmId, [{ id: c.id, ledgerId: l.id, policyId: s?.policyId ?? null }], new Map([[l.id, l]]))
  ).get(c.id)!;
  const items = await db.select().from(reminderItem).where(eq(reminderItem.reminderId, rem.id));

  // Re-read the customer and every invoice from the ledger: the mirror may be a webhook behind.
  const read = batchRead ?? (await refreshBeforeSends(deps, l, [rem.id]));
  const healthy = l.status === 'active' && read.healthy;
  [c = before] = await db.select().from(contact).where(eq(contact.id, rem.contactId));
  const invoices = await db
    .select({ i: invoice, cs: collectionState })
    .from(invoice)
    .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
    .where(
      inArray(
        invoice.id,
        items.map((i) => i.invoiceId),
      ),
    );
  const today = localDate(now, tz);
  const gates: GateResult[] = [];
  const chase = invoices.filter(({ i, cs }) => {
    // Moved to another customer since planning (a correction, merged contacts): never told to
    // this one, whatever else is true of it.
    if (i.contactId !== rem.contactId) {
      gates.push({
        gate: `invoice:${i.number ?? i.externalId}`,
        ok: false,
        detail: 'invoice now belongs to another customer',
      });
      return false;
    }
    if (rem.kind === 'thank_you') {
      gates.push({
        gate: `invoice:${i.number ?? i.externalId}`,
        ok: i.status === 'paid',
        ...(i.status === 'paid' ? {} : { detail: `invoice is ${i.status}` }),
      });
      return i.status === 'paid';
    }
    const why = invoiceGate(
      {
        id: i.id,
        status: i.status,
        amountDue: i.amountDue,
        disputed: !!cs?.disputedAt,
        excluded: !!cs?.excluded,
        handedOff: !!cs?.handedOffAt,
        promiseToPayUntil: cs?.promiseToPayUntil ?? null,
      },
      today,
    );
    gates.push({ gate: `invoice:${i.number ?? i.externalId}`, ok: !why, ...(why ? { detail: why } : {}) });
    return !why;
  });
  if (healthy && chase.length < invoices.length) {
    // Invoices that may no longer be chased leave the reminder (and are free to be replanned).
    const gone = invoices.filter((x) => !chase.includes(x)).map((x) => x.i.id);
    await db
      .delete(reminderItem)
      .where(and(eq(reminderItem.reminderId, rem.id), inArray(reminderItem.invoiceId, gone)));
  }
  if (healthy && chase.length === 0) return finish(db, rem, 'cancelled', 'no invoice left to chase', gates);

  const recent = await db
    .select({ at: message.sentAt })
    .from(message)
    .where(
      and(
        eq(message.contactId, c.id),
        inArray(message.status, ['sent', 'captured']),
        // Far enough back for the policy's cap and the legal monthly ceiling.
        gt(message.sentAt, new Date(now.getTime() - Math.max(policy.frequencyCap.perDays, 30) * 86_400_000)),
      ),
    );
  const to = toAddresses(
    c,
    chase.map(({ i }) => i),
    await parentEmailOf(db, c),
  );
  const decision = contactGates({
    now,
    contact: {
      archived: c.status !== 'active',
      email: to[0] ?? null,
      optedOut: !!s?.optedOutAt,
      excluded: !!s?.excluded,
      pausedUntil: s?.pausedUntil ?? null,
    },
    connectionHealthy: healthy,
    tz,
    zoneKnown: isValidTimeZone(c.timezone) || !ledgerSettings(l.settings).timezoneGuessed,
    policy,
    isHoliday,
    recentSends: recent.map((r) => r.at!).filter(Boolean),
  });
  gates.push(...decision.gates);
  if (decision.action === 'reschedule') {
    await db
      .update(reminder)
      .set({
        status: 'scheduled',
        dueAt: decision.at,
        gateResults: gates,
        statusReason: decision.reason,
        updatedAt: now,
      })
      .where(stillClaimed(rem));
    return 'rescheduled';
  }
  if (decision.action !== 'send')
    return finish(db, rem, decision.action === 'cancel' ? 'cancelled' : 'skipped', decision.reason, gates);
  if (rem.kind === 'handoff')
    return finish(db, rem, 'skipped', 'handoff step reached: the account is ready for an agency', gates, 'handoff');

  // Money the debtor's own credit already covers is never chased: a person decides (apply the
  // credit in the ledger, or send anyway).
  const credit = rem.kind === 'email' ? await availableCredit(db, l, c.externalId) : new Map<string, bigint>();
  const covered = creditCovers(
    chase.map(({ i }) => ({ currency: i.currency, amountDue: i.amountDue, overdue: !!i.dueDate && i.dueDate < today })),
    credit,
  );
  gates.push({ gate: 'credit', ok: !covered, ...(covered ? { detail: covered } : {}) });
  if (covered) return finish(db, rem, 'needs_review', covered, gates);

  const token = await issueOptOutLink(db, c.id, c.firmId);
  const unsubscribeUrl = `${deps.publicUrl}/unsubscribe/${token}`;
  const rendered = composeMessage({
    templateKey: rem.templateKey,
    contactRow: c,
    ledgerRow: l,
    invoices: chase.map((x) => x.i),
    today,
    optOutLink: unsubscribeUrl,
    credit,
  });
  // Safe mode: only what a person approved goes out. A message that differs from it (another
  // tone after a policy change, an amount or an invoice changed, a new address) goes back.
  if (l.safeMode && rem.kind === 'email') {
    const changed = changedSince(
      rem.approval,
      approvalOf(
        { to: to.join(', '), template: rem.templateKey, subject: rendered.subject, invoices: chase.map(({ i }) => i) },
        now,
      ),
    );
    gates.push({ gate: 'approval', ok: !changed, ...(changed ? { detail: changed } : {}) });
    if (changed) return finish(db, rem, 'awaiting_approval', changed, gates);
  }
  const snapshot = createHash('sha256')
    .update(JSON.stringify(chase.map(({ i }) => [i.id, i.status, i.amountDue, i.providerUpdatedAt.toISOString()])))
    .digest('hex');
  return send(deps, progress, {
    rem,
    contactRow: c,
    ledgerRow: l,
    rendered,
    gates,
    snapshot,
    unsubscribeUrl,
    to,
    cc: ccAddresses(c, to, policy.steps.find((st) => st.key === policyStepKey(rem.stepKey))?.cc ?? []),
    invoiceExternalIds: chase.map(({ i }) => i.externalId),
    invoiceIds: chase.map(({ i }) => i.id),
    readAt: read.readAt,
  });
}

type SendArgs = {
  rem: typeof reminder.$inferSelect;
  contactRow: typeof contact.$inferSelect;
  ledgerRow: typeof ledger.$inferSelect;
  rendered: Rendered;
  gates: GateResult[];
  snapshot: string;
  unsubscribeUrl: string;
  to: string[];
  cc: string[];
  invoiceExternalIds: string[];
  invoiceIds: string[];
  /** When the ledger read this send relies on began: a hold set since then stops the send. */
  readAt: Date;
};

async function send(deps: DeliverDeps, progress: DeliveryProgress, a: SendArgs): Promise<Outcome> {
  const { db } = deps;
  // The intent is committed before the mail server is called: after a crash, a reminder without
  // it provably never left and is retried; one with it may have left and goes to a person.
  // A webhook that named one of the invoices since the read (a payment, most likely) holds the
  // send, in the same statement that commits to it: the read that webhook starts decides.
  const [owned] = await db
    .update(reminder)
    .set({ sendStartedAt: deps.clock.now() })
    .where(and(stillClaimed(a.rem), isNull(reminder.sendStartedAt), notHeldSince(a.invoiceIds, a.readAt)))
    .returning({ id: reminder.id });
  if (!owned) {
    if (!(await heldSince(db, a.invoiceIds, a.readAt))) return 'skipped';
    return holdBack(deps, a.rem, a.gates);
  }
  const to = a.to;
  const replyTo = ledgerSettings(a.ledgerRow.settings).replyTo;
  const base = {
    firmId: a.rem.firmId,
    ledgerId: a.rem.ledgerId,
    contactId: a.contactRow.id,
    reminderId: a.rem.id,
    fromAddress: deps.mailFrom,
    toAddresses: to,
    ccAddresses: a.cc,
    subject: a.rendered.subject,
    html: a.rendered.html,
    text: a.rendered.text,
    templateKey: a.rem.templateKey,
    templateVersion: TEMPLATE_VERSION,
    gateResults: a.gates,
    ledgerSnapshotHash: a.snapshot,
    idempotencyKey: `reminder:${a.rem.id}`,
  };
  let outcome: Awaited<ReturnType<Mailer['send']>>;
  try {
    progress.mailStarted = true;
    outcome = await deps.mailer.send({
      fromName: a.ledgerRow.legalName ?? a.ledgerRow.name,
      fromAddress: deps.mailFrom,
      replyTo,
      to,
      cc: a.cc,
      subject: a.rendered.subject,
      html: a.rendered.html,
      text: a.rendered.text,
      unsubscribeUrl: a.unsubscribeUrl,
      idempotencyKey: a.rem.id,
    });
  } catch (err) {
    // Anything but a refusal from the mail server leaves it unknown whether the message left:
    // the tick turns that into needs_review rather than guess.
    if (!(err instanceof MailError) || !err.notSent) throw err;
    const permanent = err.permanent;
    const reason = `mail server: ${err.message}`;
    // Not sent and not a bounce (server down, 4xx): try again later, a few times, then a person looks.
    if (!permanent) {
      const outcome = await retryUnsent(deps, a.rem, reason, a.gates);
      deps.logger.warn('reminder not sent; will retry', {
        reminderId: a.rem.id,
        attempt: a.rem.attempts,
        giveUp: outcome === 'failed',
        code: err.responseCode,
      });
      return outcome;
    }
    await db.transaction(async (tx) => {
      await tx
        .insert(message)
        .values({ ...base, status: permanent ? 'bounced' : 'failed', error: reason.slice(0, 500) })
        .onConflictDoNothing();
      await tx
        .update(reminder)
        .set({
          status: 'failed',
          statusReason: reason.slice(0, 500),
          gateResults: a.gates,
          updatedAt: deps.clock.now(),
        })
        .where(eq(reminder.id, a.rem.id));
    });
    deps.logger.warn('reminder not delivered', { reminderId: a.rem.id, permanent, code: err.responseCode });
    return 'failed';
  }
  const sentAt = deps.clock.now();
  await db.transaction(async (tx) => {
    await tx
      .insert(message)
      .values({ ...base, status: outcome.status, providerMessageId: outcome.providerMessageId, sentAt })
      .onConflictDoNothing();
    await tx
      .update(reminder)
      .set({ status: 'sent', gateResults: a.gates, statusReason: null, updatedAt: sentAt })
      .where(eq(reminder.id, a.rem.id));
    // In the same transaction: the integration hears of exactly the messages that went out.
    await emitEvent(
      tx,
      a.rem.firmId,
      'reminder.sent',
      {
        reminderId: a.rem.id,
        ledgerId: a.rem.ledgerId,
        contactId: a.contactRow.id,
        invoices: a.invoiceExternalIds,
        subject: a.rendered.subject,
        to,
        status: outcome.status,
      },
      sentAt,
    );
    // History on the ledger's invoices (the only write-back), written later in the notes lane.
    await queueNotes(
      tx,
      a.ledgerRow,
      reminderNoteKind(a.rem.templateKey),
      a.invoiceExternalIds,
      `overdue: reminder "${a.rendered.subject}" emailed to ${to.join(', ')}`,
      sentAt,
    );
  });
  return 'sent';
}

/**
 * A new opt-out link for one message: its secret goes in the email, only its digest is kept, and
 * every link the contact was sent before keeps working.
 */
async function issueOptOutLink(db: Db, contactId: string, firmId: string): Promise<string> {
  const token = randomToken();
  await db.insert(optOutLink).values({ digest: sha256(token), contactId, firmId });
  return token;
}
