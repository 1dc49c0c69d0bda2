import { ledgerSettings } from '../../domain/ledger-settings.ts';
import { randomUUID } from 'node:crypto';
import { and, eq, exists, getTableColumns, inArray, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { textArrayLiteral } from '../../db/array-param.ts';
import {
  type Approval,
  collectionState,
  contact,
  contactState,
  invoice,
  ledger,
  reminder,
  reminderItem,
} from '../../db/schema/index.ts';
import { resolveTimeZone, localDate } from '../../domain/dates.ts';
import { holidaysFor } from '../../domain/cadence/holidays.ts';
import { type Planned, planNext } from '../../domain/cadence/planner.ts';
import { nextSendInstant } from '../../domain/cadence/window.ts';
import { type Policy, TONES } from '../../domain/cadence/policy.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { policiesFor } from './policies.ts';

const PENDING = ['scheduled', 'awaiting_approval'] as const;
/** Reminder states after which a step counts as used for that invoice (never planned again). */
const USED = ['sending', 'sent', 'skipped', 'failed', 'needs_review'] as const;

const THANK_YOU = 'thank-you';

/** An invoice as planning reads it: every mirrored field but the provider's raw record. */
const { raw: _raw, ...PLANNED_COLUMNS } = getTableColumns(invoice);
type PlannedInvoice = Omit<typeof invoice.$inferSelect, 'raw'>;

/**
 * With `settings.thankYou` on, an invoice that was reminded and is now paid gets one thank-you
 * note (its own step key, so the unique (invoice, step) index keeps it to one).
 */
function thankYou(
  i: PlannedInvoice,
  l: typeof ledger.$inferSelect,
  done: ReadonlySet<string> | undefined,
  wasReminded: boolean,
  policy: Policy,
  now: Date,
  tz: string,
): Planned | null {
  if (!ledgerSettings(l.settings).thankYou || i.status !== 'paid' || !wasReminded || done?.has(THANK_YOU)) return null;
  const dueAt = nextSendInstant(now, tz, policy.sendWindow, holidaysFor(l.country));
  if (!dueAt) return null;
  return {
    stepKey: THANK_YOU,
    step: { key: THANK_YOU, offsetDays: 0, tone: 'friendly', template: 'thank_you', kind: 'email', cc: [] },
    dueAt,
    anchor: localDate(now, tz),
  };
}

export type ReplanResult = { reminders: number; items: number; dropped: number };

/**
 * Re-plans every pending reminder of the given contacts from the mirror as it is now: pending
 * reminders are replaced by the planner's answer, one consolidated reminder per contact per
 * debtor-local day. Paid, voided, disputed or paused invoices simply drop out, which is how a
 * payment cancels a pending reminder. Approvals given in safe mode carry over.
 */
export async function replanContacts(
  deps: { db: Db; clock: Clock; logger: Logger },
  contactIds: string[],
): Promise<ReplanResult> {
  const result: ReplanResult = { reminders: 0, items: 0, dropped: 0 };
  const ids = [...new Set(contactIds)].sort();
  for (let i = 0; i < ids.length; i += 200) {
    const r = await replanBatch(deps, ids.slice(i, i + 200));
    result.reminders += r.reminders;
    result.items += r.items;
    result.dropped += r.dropped;
  }
  return result;
}

async function replanBatch(deps: { db: Db; clock: Clock; logger: Logger }, ids: string[]): Promise<ReplanResult> {
  const now = deps.clock.now();
  return deps.db.transaction(async (tx) => {
    // One planner per contact at a time, whichever process: concurrent replans would race on
    // the unique (invoice, step) index. Sorted ids, so two batches never wait on each other.
    await tx.execute(
      sql`select pg_advisory_xact_lock(hashtext('replan:' || x)) from unnest(${textArrayLiteral(ids)}::text[]) as x order by x`,
    );
    const contacts = await tx
      .select({ c: contact, s: contactState })
      .from(contact)
      .leftJoin(contactState, eq(contactState.contactId, contact.id))
      .where(inArray(contact.id, ids));
    if (contacts.length === 0) return { reminders: 0, items: 0, dropped: 0 };
    const ledgers = new Map(
      (
        await tx
          .select()
          .from(ledger)
          .where(inArray(ledger.id, [...new Set(contacts.map((x) => x.c.ledgerId))]))
      ).map((l) => [l.id, l]),
    );
    // Only what can still be planned: open invoices, and those with reminder history (a paid one
    // may be owed a thank-you, a closed one's pending items are counted as dropped). A ledger's
    // years of paid invoices are neither read nor carried, nor is the provider's raw record.
    const invoices = await tx
      .select({ i: PLANNED_COLUMNS, s: collectionState })
      .from(invoice)
      .leftJoin(collectionState, eq(collectionState.invoiceId, invoice.id))
      .where(
        and(
          inArray(invoice.contactId, ids),
          or(
            eq(invoice.status, 'open'),
            exists(tx.select({ x: sql`1` }).from(reminderItem).where(eq(reminderItem.invoiceId, invoice.id))),
          ),
        ),
      );
    const invoiceIds = invoices.map((x) => x.i.id);
    const items = invoiceIds.length
      ? await tx
          .select({
            invoiceId: reminderItem.invoiceId,
            stepKey: reminderItem.stepKey,
            status: reminder.status,
            reminderId: reminder.id,
            templateKey: reminder.templateKey,
            approval: reminder.approval,
          })
          .from(reminderItem)
          .innerJoin(reminder, eq(reminder.id, reminderItem.reminderId))
          .where(inArray(reminderItem.invoiceId, invoiceIds))
      : [];
    const done = new Map<string, Set<string>>();
    /** Approved (invoice, step) pairs, with the message approved: checked again at send time. */
    const approved = new Map<string, Approval | null>();
    const sent = new Set(
      items.filter((it) => it.status === 'sent' && it.stepKey !== THANK_YOU).map((it) => it.invoiceId),
    );
    const sentTones = new Map<string, Set<string>>();
    for (const it of items) {
      if (it.status === 'sent')
        sentTones.set(it.invoiceId, (sentTones.get(it.invoiceId) ?? new Set()).add(it.templateKey));
      if ((USED as readonly string[]).includes(it.status))
        done.set(it.invoiceId, (done.get(it.invoiceId) ?? new Set()).add(it.stepKey));
      if (it.status === 'scheduled') approved.set(`${it.invoiceId}:${it.stepKey}`, it.approval);
    }
    const before = items.filter((it) => (PENDING as readonly string[]).includes(it.status));
    await tx.delete(reminder).where(and(inArray(reminder.contactId, ids), inArray(reminder.status, [...PENDING])));

    const firmIds = [...new Set(contacts.map((x) => x.c.firmId))];
    const policies = new Map<string, Policy>();
    for (const firmId of firmIds) {
      const mine = contacts
        .filter((x) => x.c.firmId === firmId)
        .map((x) => ({ id: x.c.id, ledgerId: x.c.ledgerId, policyId: x.s?.policyId ?? null }));
      for (const [k, v] of await policiesFor(tx, firmId, mine, ledgers)) policies.set(k, v);
    }

    // Plan each invoice, then group by contact and debtor-local day.
    const groups = new Map<
      string,
      {
        contactId: string;
        firmId: string;
        ledgerId: string;
        safeMode: boolean;
        planned: (Planned & { invoiceId: string })[];
      }
    >();
    const byContact = new Map(contacts.map((x) => [x.c.id, x]));
    for (const { i, s } of invoices) {
      const row = byContact.get(i.contactId!)!;
      const l = ledgers.get(i.ledgerId)!;
      const tz = resolveTimeZone(row.c.timezone, l.timezone);
      const r = planNext({
        invoice: {
          status: i.status,
          dueDate: i.dueDate,
          issueDate: i.issueDate,
          total: i.total,
          amountDue: i.amountDue,
        },
        collection: {
          disputed: !!s?.disputedAt,
          excluded: !!s?.excluded,
          handedOff: !!s?.handedOffAt,
          promiseToPayUntil: s?.promiseToPayUntil ?? null,
          paymentPlan: s?.paymentPlan ?? null,
        },
        contact: {
          archived: row.c.status !== 'active',
          excluded: !!row.s?.excluded,
          optedOut: !!row.s?.optedOutAt,
          pausedUntil: row.s?.pausedUntil ?? null,
        },
        policy: policies.get(row.c.id)!,
        done: done.get(i.id) ?? new Set(),
        sentTones: sentTones.get(i.id),
        now,
        tz,
        isHoliday: holidaysFor(l.country),
      });
      const planned = r.planned ?? thankYou(i, l, done.get(i.id), sent.has(i.id), policies.get(row.c.id)!, now, tz);
      if (!planned) continue;
      // Thank-you notes go on their own, never inside a reminder.
      const key = `${row.c.id}:${localDate(planned.dueAt, tz)}:${planned.stepKey === THANK_YOU ? 'thanks' : 'chase'}`;
      const g = groups.get(key) ?? {
        contactId: row.c.id,
        firmId: row.c.firmId,
        ledgerId: l.id,
        safeMode: l.safeMode,
        planned: [],
      };
      g.planned.push({ ...planned, invoiceId: i.id });
      groups.set(key, g);
    }

    // All reminders and items in two statements: ids are made here, so nothing waits on RETURNING.
    const reminderRows: (typeof reminder.$inferInsert)[] = [];
    const itemRows: (typeof reminderItem.$inferInsert)[] = [];
    for (const g of groups.values()) {
      // The message's tone is the most severe of its invoices' steps; it goes at the earliest time.
      const severest = g.planned.reduce((a, b) => (TONES.indexOf(b.step.tone) > TONES.indexOf(a.step.tone) ? b : a));
      const id = randomUUID();
      reminderRows.push({
        id,
        firmId: g.firmId,
        ledgerId: g.ledgerId,
        contactId: g.contactId,
        stepKey: severest.stepKey,
        templateKey: severest.step.template,
        kind: g.planned.every((p) => p.stepKey === THANK_YOU)
          ? 'thank_you'
          : g.planned.every((p) => p.step.kind === 'handoff')
            ? 'handoff'
            : 'email',
        dueAt: new Date(Math.min(...g.planned.map((p) => p.dueAt.getTime()))),
        status:
          g.safeMode && !g.planned.every((p) => approved.has(`${p.invoiceId}:${p.stepKey}`))
            ? 'awaiting_approval'
            : 'scheduled',
        approval: approved.get(`${g.planned[0]!.invoiceId}:${g.planned[0]!.stepKey}`) ?? null,
      });
      for (const p of g.planned)
        itemRows.push({ reminderId: id, invoiceId: p.invoiceId, firmId: g.firmId, stepKey: p.stepKey });
    }
    for (let k = 0; k < reminderRows.length; k += 1000)
      await tx.insert(reminder).values(reminderRows.slice(k, k + 1000));
    for (let k = 0; k < itemRows.length; k += 1000) await tx.insert(reminderItem).values(itemRows.slice(k, k + 1000));
    const itemCount = itemRows.length;
    const kept = new Set([...groups.values()].flatMap((g) => g.planned.map((p) => `${p.invoiceId}:${p.stepKey}`)));
    const dropped = before.filter((b) => !kept.has(`${b.invoiceId}:${b.stepKey}`)).length;
    if (dropped) deps.logger.info('pending reminders dropped on replan', { contacts: ids.length, dropped });
    return { reminders: groups.size, items: itemCount, dropped };
  });
}
