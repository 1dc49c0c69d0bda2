import { replanOnChange } from '../../src/services/background.ts';
import { and, eq, inArray } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  collectionState,
  contactState,
  invoice,
  ledger,
  message,
  reminder,
  reminderItem,
} from '../../src/db/schema/index.ts';
import { smtpMailer, type Mailer } from '../../src/notify/mailer.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { recoverStuckSending, tick } from '../../src/services/reminders/tick.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { reminderWorld, smtpSink } from '../support/reminders.ts';
import { writeLedgerNotes } from '../../src/services/ledger-notes.ts';
import { waitUntil } from '../support/wait.ts';

// A database per test: the tick claims whatever is due anywhere, as it does in production.
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const remindersOf = (contactId: string) => database.db.select().from(reminder).where(eq(reminder.contactId, contactId));
const itemsOf = (reminderId: string) =>
  database.db.select().from(reminderItem).where(eq(reminderItem.reminderId, reminderId));
const messagesTo = (contactId: string) => database.db.select().from(message).where(eq(message.contactId, contactId));

async function debtor(
  world: Awaited<ReturnType<typeof reminderWorld>>,
  dueDates: string[],
  over: Parameters<typeof makeContact>[2] = {},
) {
  const c = await makeContact(database.db, world.ledger, over);
  const invoices = [];
  for (const dueDate of dueDates) {
    const i = await makeInvoice(database.db, c, { dueDate });
    world.stub.put(i);
    invoices.push(i);
  }
  return { c, invoices };
}

describe('planning', () => {
  it('consolidates one message per contact per local day, each invoice once', async () => {
    const w = await reminderWorld(database.db);
    const { c } = await debtor(w, ['2026-11-20', '2026-11-20', '2026-11-20', '2026-11-27']);
    await replanContacts(w.deps, [c.id]);
    const rems = (await remindersOf(c.id)).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime());
    expect(rems.map((r) => [r.stepKey, r.status, r.dueAt.toISOString()])).toEqual([
      ['pre-3', 'scheduled', '2026-11-16T20:00:00.000Z'], // 17 Nov 09:00 NZDT is now: send now
      ['pre-3', 'scheduled', '2026-11-23T19:00:00.000Z'], // 24 Nov 08:00 NZDT
    ]);
    expect(await itemsOf(rems[0]!.id)).toHaveLength(3);
    // Replanning changes nothing and never duplicates.
    await replanContacts(w.deps, [c.id, c.id]);
    expect(await remindersOf(c.id)).toHaveLength(2);
  });

  it('drops a paid invoice’s pending reminder when the mirror says paid, and keeps the others', async () => {
    const w = await reminderWorld(database.db);
    const { c, invoices } = await debtor(w, ['2026-11-20', '2026-11-20']);
    await replanContacts(w.deps, [c.id]);
    await database.db.update(invoice).set({ status: 'paid', amountDue: '0' }).where(eq(invoice.id, invoices[0]!.id));
    const r = await replanContacts(w.deps, [c.id]);
    expect(r.dropped).toBe(1);
    const [rem] = await remindersOf(c.id);
    expect((await itemsOf(rem!.id)).map((i) => i.invoiceId)).toEqual([invoices[1]!.id]);
  });

  it('plans nothing for a disputed invoice, waits for a promise, and resumes after', async () => {
    const w = await reminderWorld(database.db);
    const { c, invoices } = await debtor(w, ['2026-11-20']);
    await database.db.insert(collectionState).values({
      invoiceId: invoices[0]!.id,
      firmId: c.firmId,
      ledgerId: c.ledgerId,
      disputedAt: new Date(),
      disputeReason: 'wrong quantity',
    });
    await replanContacts(w.deps, [c.id]);
    expect(await remindersOf(c.id)).toHaveLength(0);
    await database.db
      .update(collectionState)
      .set({ disputedAt: null, promiseToPayUntil: '2026-11-30' })
      .where(eq(collectionState.invoiceId, invoices[0]!.id));
    await replanContacts(w.deps, [c.id]);
    const [rem] = await remindersOf(c.id);
    expect(rem!.dueAt.toISOString()).toBe('2026-11-30T19:00:00.000Z'); // 1 Dec 08:00 NZDT
  });

  it('queues for approval in safe mode; approval carries over a replan', async () => {
    const w = await reminderWorld(database.db, { safeMode: true });
    const { c } = await debtor(w, ['2026-11-20']);
    await replanContacts(w.deps, [c.id]);
    const [rem] = await remindersOf(c.id);
    expect(rem!.status).toBe('awaiting_approval');
    expect((await tick(w.deps)).claimed).toBe(0);
    await database.db.update(reminder).set({ status: 'scheduled' }).where(eq(reminder.id, rem!.id));
    await replanContacts(w.deps, [c.id]);
    expect((await remindersOf(c.id))[0]!.status).toBe('scheduled');
  });
});

describe('sending', () => {
  it('delivers through a real SMTP server under the business’s name, with reply-to and one-click opt-out', async () => {
    const sink = await smtpSink();
    try {
      const w = await reminderWorld(database.db, { mailer: smtpMailer(sink.url) });
      const { c, invoices } = await debtor(w, ['2026-11-20', '2026-11-20'], {
        name: 'Tui <script>alert(1)</script> & Co',
      });
      await replanContacts(w.deps, [c.id]);
      expect(await tick(w.deps)).toMatchObject({ claimed: 1, sent: 1 });
      expect(sink.received).toHaveLength(1);
      const mail = sink.received[0]!;
      expect(mail.from?.value[0]).toMatchObject({
        name: 'Harbour Dental Limited',
        address: 'reminders@overdue.example.com',
      });
      expect(mail.replyTo?.value[0]?.address).toBe('accounts@harbourdental.example');
      expect(mail.envelopeTo).toEqual([c.email]);
      const header = (name: string) => mail.headerLines.find((h) => h.key === name)?.line.replace(/^[^:]+:\s*/, '');
      expect(header('list-unsubscribe')).toMatch(/^<https:\/\/overdue\.example\.com\/unsubscribe\/[\w-]{43}>$/);
      expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
      expect(mail.subject).toBe(`Invoice ${invoices[0]!.number}, ${invoices[1]!.number} from Harbour Dental Limited`);
      // Ledger data is escaped in HTML and each invoice appears once.
      expect(mail.html).toContain('Tui &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co');
      expect(mail.html).not.toContain('<script>');
      expect((mail.text ?? '').split(invoices[0]!.number!).length - 1).toBe(2); // subject line in body + statement
      const [logged] = await messagesTo(c.id);
      expect(logged).toMatchObject({ status: 'sent', templateKey: 'friendly', templateVersion: 'builtin-1' });
      expect(logged!.gateResults!.every((g) => g.ok)).toBe(true);
      expect(logged!.ledgerSnapshotHash).toMatch(/^[0-9a-f]{64}$/);
      // History notes are queued with the send and written afterwards, in the notes lane.
      expect(w.stub.notes).toEqual([]);
      expect(await writeLedgerNotes(w.deps)).toEqual({ written: 2, failed: 0, deferred: 0 });
      expect(w.stub.notes.map((n) => n.id).sort()).toEqual(invoices.map((i) => i.externalId).sort());
    } finally {
      await sink.close();
    }
  });

  it('sends nothing when the pre-send fetch finds the invoice paid (webhook not yet arrived)', async () => {
    const sink = await smtpSink();
    try {
      const w = await reminderWorld(database.db, { mailer: smtpMailer(sink.url) });
      const { c, invoices } = await debtor(w, ['2026-11-20']);
      await replanContacts(w.deps, [c.id]);
      w.stub.put(invoices[0]!, {
        status: 'paid',
        amountDue: '0',
        amountPaid: '115',
        updatedAt: new Date('2026-11-16T19:00:00Z'),
      });
      expect(await tick(w.deps)).toMatchObject({ claimed: 1, cancelled: 1 });
      expect(sink.received).toHaveLength(0);
      expect(await messagesTo(c.id)).toHaveLength(0);
      const [rem] = await remindersOf(c.id);
      expect(rem).toMatchObject({ status: 'cancelled', statusReason: 'no invoice left to chase' });
      expect(rem!.gateResults).toContainEqual({
        gate: `invoice:${invoices[0]!.number}`,
        ok: false,
        detail: 'invoice is paid',
      });
    } finally {
      await sink.close();
    }
  });

  it('records a bounce when the SMTP server refuses the recipient', async () => {
    const sink = await smtpSink({ reject: () => 550 });
    try {
      const w = await reminderWorld(database.db, { mailer: smtpMailer(sink.url) });
      const { c } = await debtor(w, ['2026-11-20']);
      await replanContacts(w.deps, [c.id]);
      expect(await tick(w.deps)).toMatchObject({ failed: 1 });
      expect((await messagesTo(c.id))[0]).toMatchObject({ status: 'bounced' });
      expect((await remindersOf(c.id))[0]!.statusReason).toMatch(/^mail server: /);
    } finally {
      await sink.close();
    }
  });

  it('holds messages outside the debtor-local window and under the frequency cap', async () => {
    const w = await reminderWorld(database.db, { now: '2026-11-16T15:00:00Z' }); // 04:00 in Auckland
    const { c } = await debtor(w, ['2026-11-19']);
    await replanContacts(w.deps, [c.id]);
    await database.db.update(reminder).set({ dueAt: w.clock.now() }).where(eq(reminder.contactId, c.id));
    expect(await tick(w.deps)).toMatchObject({ rescheduled: 1 });
    const [held] = await remindersOf(c.id);
    expect(held).toMatchObject({ status: 'scheduled', statusReason: 'outside send window' });
    expect(held!.dueAt.toISOString()).toBe('2026-11-16T19:00:00.000Z');
    // Two messages already this week: the cap holds the third.
    for (let i = 0; i < 2; i++) {
      await database.db.insert(message).values({
        firmId: c.firmId,
        ledgerId: c.ledgerId,
        contactId: c.id,
        fromAddress: 'x',
        toAddresses: [c.email!],
        subject: 's',
        html: 'h',
        text: 't',
        status: 'sent',
        idempotencyKey: `cap-${c.id}-${i}`,
        sentAt: new Date('2026-11-14T20:00:00Z'),
      });
    }
    w.clock.set('2026-11-16T20:00:00Z');
    expect(await tick(w.deps)).toMatchObject({ rescheduled: 1 });
    const [capped] = await remindersOf(c.id);
    expect(capped!.statusReason).toBe('frequency cap');
    expect(capped!.dueAt.getTime()).toBeGreaterThan(new Date('2026-11-21T20:00:00Z').getTime());
  });

  it('pauses a contact until the pause ends; an opted-out contact is never sent to', async () => {
    const w = await reminderWorld(database.db);
    const { c } = await debtor(w, ['2026-11-20']);
    const paused = await debtor(w, ['2026-11-20']);
    await database.db
      .insert(contactState)
      .values({ contactId: c.id, firmId: c.firmId, ledgerId: c.ledgerId, optedOutAt: new Date() });
    await replanContacts(w.deps, [c.id, paused.c.id]);
    expect(await remindersOf(c.id)).toHaveLength(0);
    await database.db.insert(contactState).values({
      contactId: paused.c.id,
      firmId: c.firmId,
      ledgerId: c.ledgerId,
      pausedUntil: new Date('2026-11-25T00:00:00Z'),
    });
    expect(await tick(w.deps)).toMatchObject({ rescheduled: 1 });
    expect((await remindersOf(paused.c.id))[0]!.dueAt.getTime()).toBeGreaterThanOrEqual(
      new Date('2026-11-25T00:00:00Z').getTime(),
    );
  });
});

describe('exactly once', () => {
  it('20 concurrent ticks over 100 rounds send at most one message per (invoice, step)', async () => {
    let sends = 0;
    const counting: Mailer = {
      kind: 'capture',
      send: async () => {
        sends += 1;
        return { status: 'captured', providerMessageId: null };
      },
    };
    const w = await reminderWorld(database.db, { mailer: counting });
    const contacts = [];
    for (let i = 0; i < 15; i++) contacts.push((await debtor(w, ['2026-11-18', '2026-11-20'])).c);
    for (let round = 0; round < 100; round++) {
      if (round % 10 === 0)
        await replanContacts(
          w.deps,
          contacts.map((c) => c.id),
        );
      await Promise.all(Array.from({ length: 20 }, () => tick(w.deps, { limit: 3 })));
      w.clock.advance(6 * 3_600_000);
    }
    const ids = contacts.map((c) => c.id);
    const sent = await database.db
      .select({ invoiceId: reminderItem.invoiceId, stepKey: reminderItem.stepKey })
      .from(reminderItem)
      .innerJoin(reminder, eq(reminder.id, reminderItem.reminderId))
      .where(and(inArray(reminder.contactId, ids), eq(reminder.status, 'sent')));
    const keys = sent.map((s) => `${s.invoiceId}:${s.stepKey}`);
    expect(keys.length).toBeGreaterThan(15);
    expect(new Set(keys).size).toBe(keys.length);
    const msgs = await database.db.select().from(message).where(inArray(message.contactId, ids));
    expect(msgs).toHaveLength(sends);
    expect(new Set(msgs.map((m) => m.reminderId)).size).toBe(msgs.length);
  });

  it('a crash after the mail server accepted but before the commit ends in needs_review, never a resend', async () => {
    const sink = await smtpSink();
    try {
      const real = smtpMailer(sink.url);
      // The process dies right after the server accepted: the outcome is never recorded.
      const dying: Mailer = {
        kind: 'smtp',
        send: async (m) => {
          await real.send(m);
          return new Promise(() => {});
        },
      };
      const w = await reminderWorld(database.db, { mailer: dying });
      const { c } = await debtor(w, ['2026-11-20']);
      await replanContacts(w.deps, [c.id]);
      void tick(w.deps);
      await waitUntil(() => sink.received.length > 0, { what: 'the mail server to accept the message' });
      expect(sink.received).toHaveLength(1);
      // After restart: the interrupted reminder is found and parked for a person.
      w.clock.advance(11 * 60_000);
      w.deps.mailer = real;
      expect(await recoverStuckSending(w.deps)).toBe(1);
      expect((await remindersOf(c.id))[0]).toMatchObject({ status: 'needs_review' });
      await replanContacts(w.deps, [c.id]);
      for (let i = 0; i < 5; i++) {
        await tick(w.deps);
        w.clock.advance(3_600_000);
      }
      expect(sink.received).toHaveLength(1);
    } finally {
      await sink.close();
    }
  });
});

describe('stop on payment', () => {
  it('a paid invoice arriving through the mirror-change hook (webhook or sync) drops its pending reminder', async () => {
    const w = await reminderWorld(database.db);
    const { c, invoices } = await debtor(w, ['2026-11-20']);
    await replanContacts(w.deps, [c.id]);
    expect((await remindersOf(c.id))[0]!.status).toBe('scheduled');
    await database.db.update(invoice).set({ status: 'paid', amountDue: '0' }).where(eq(invoice.id, invoices[0]!.id));
    await replanOnChange(w.deps)({
      firmId: c.firmId,
      ledgerId: c.ledgerId,
      invoiceIds: [invoices[0]!.id],
      contactIds: [],
      source: 'webhook',
    });
    expect(await remindersOf(c.id)).toHaveLength(0);
    expect(await tick(w.deps)).toMatchObject({ claimed: 0 });
  });
});

describe('thank you', () => {
  it('sends one thank-you note when a reminded invoice is paid, if the ledger asks for it', async () => {
    const w = await reminderWorld(database.db);
    await database.db
      .update(ledger)
      .set({ settings: { ...w.ledger.settings, thankYou: true } })
      .where(eq(ledger.id, w.ledger.id));
    const { c, invoices } = await debtor(w, ['2026-11-20']);
    await replanContacts(w.deps, [c.id]);
    expect(await tick(w.deps)).toMatchObject({ sent: 1 });
    await database.db
      .update(invoice)
      .set({ status: 'paid', amountDue: '0', paidAt: w.clock.now() })
      .where(eq(invoice.id, invoices[0]!.id));
    w.stub.put({ ...invoices[0]!, status: 'paid', amountDue: '0' });
    w.clock.advance(3_600_000);
    await replanContacts(w.deps, [c.id]);
    expect((await remindersOf(c.id)).filter((r) => r.kind === 'thank_you')).toHaveLength(1);
    expect(await tick(w.deps)).toMatchObject({ sent: 1 });
    const msgs = await messagesTo(c.id);
    expect(msgs.map((m) => m.subject)).toContain('Thank you for your payment');
    await replanContacts(w.deps, [c.id]);
    w.clock.advance(3_600_000);
    expect(await tick(w.deps)).toMatchObject({ claimed: 0 });
    expect(await messagesTo(c.id)).toHaveLength(2);
  });
});
