import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AccountingConnector, ConnectorError, type Lane } from '../../connectors/types.ts';
import { createApp } from '../../src/app.ts';
import { invoice, invoiceHold, ledger, ledgerNote, reminder } from '../../src/db/schema/index.ts';
import type { Mailer } from '../../src/notify/mailer.ts';
import { mirrorHandlers } from '../../src/services/background.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { writeLedgerNotes } from '../../src/services/ledger-notes.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { prefetchPayLinks } from '../../src/services/reminders/presend.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { deliver, webhookEnv, xeroBatch } from '../support/webhooks/deliver.ts';

/**
 * Stop first (issue 33): a payment webhook holds the invoice's reminders the moment it is
 * processed, before any provider call, so a reminder the tick has already claimed and read for is
 * not sent while the webhook's own read waits for the ledger's budget.
 */
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const gate = () => {
  let open!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  return { open, opened };
};

async function world() {
  const sent: string[] = [];
  const mailer: Mailer = {
    kind: 'capture',
    send: async (m) => {
      sent.push(m.subject);
      return { status: 'captured', providerMessageId: null };
    },
  };
  const w = await reminderWorld(database.db, { mailer });
  const c = await makeContact(database.db, w.ledger);
  const inv = await makeInvoice(database.db, c, { dueDate: '2026-11-20' });
  w.stub.put(inv);
  await replanContacts(w.deps, [c.id]);

  // The webhook's read (the `stop` lane) waits until the test lets it through: the ledger's
  // budget is busy. The send's read pauses at its end so the webhook can arrive just after it.
  const stopRead = gate();
  const sendReadDone = gate();
  const resume = gate();
  const lanes: Lane[] = [];
  const base = w.stub.connector;
  const resolve = async (_l: unknown, opts?: { lane?: Lane }): Promise<AccountingConnector> => {
    const lane = opts?.lane ?? 'bulk';
    lanes.push(lane);
    if (lane === 'stop')
      return {
        ...base,
        fetchOne: async (...args: Parameters<AccountingConnector['fetchOne']>) => {
          await stopRead.opened;
          return base.fetchOne(...args);
        },
      } as AccountingConnector;
    if (lane === 'send')
      return {
        ...base,
        onlineInvoiceUrl: async (...args: Parameters<AccountingConnector['onlineInvoiceUrl']>) => {
          sendReadDone.open();
          await resume.opened;
          return base.onlineInvoiceUrl(...args);
        },
      } as AccountingConnector;
    return base;
  };
  const deps = { ...w.deps, resolve };
  const appDeps = await testDeps(database, { clock: w.clock, config: testConfig(webhookEnv) });
  const app = createApp(appDeps);
  const inboxDeps = { db: database.db, clock: w.clock, logger: w.logger, resolve, onChange: mirrorHandlers(w.deps) };
  const key = { provider: 'xero' as const, accountRef: w.ledger.externalId };
  const notify = async () => {
    const batch = xeroBatch([
      { tenantId: w.ledger.externalId, resourceId: inv.externalId, at: '2026-11-16T20:00:01.000' },
    ]);
    expect((await deliver(app, 'xero', batch)).status).toBe(200);
    return processInbox(inboxDeps, key);
  };
  const reminderRow = async () => (await database.db.select().from(reminder).where(eq(reminder.contactId, c.id)))[0]!;
  const pending = async () =>
    (await database.db.select().from(reminder).where(eq(reminder.contactId, c.id)))
      .filter((r) => r.status === 'scheduled' || r.status === 'sending')
      .map((r) => ({ kind: r.kind, status: r.status }));
  const holds = () => database.db.select().from(invoiceHold).where(eq(invoiceHold.invoiceId, inv.id));
  return { w, c, inv, deps, sent, lanes, stopRead, sendReadDone, resume, notify, reminderRow, pending, holds };
}

/** A connector whose notes are refused for the day: our reserve (`daily_reserved`) or Xero's 429 (`day`). */
const refusingNotes = (base: AccountingConnector, providerCode: string, retryAfterMs: number) =>
  ({
    ...base,
    addInvoiceNote: async () => {
      throw new ConnectorError('rate_limited', 'daily call budget', { provider: 'xero', providerCode, retryAfterMs });
    },
  }) as AccountingConnector;

/** Waits (in real time, briefly) until `check` holds. */
async function until(check: () => Promise<boolean>) {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not reached');
}

describe('a payment webhook holds reminders before it reads the ledger', () => {
  it('a reminder the tick claimed and read for is never sent once the payment webhook is in; the read cancels it', async () => {
    const s = await world();
    // The tick claims the reminder and reads the ledger: the invoice is still unpaid.
    const ticking = tick(s.deps);
    await s.sendReadDone.opened;
    expect((await s.reminderRow()).status).toBe('sending');

    // Just after that read, the customer pays; Xero's webhook arrives and is processed. Its
    // read of the ledger waits for the budget; the hold is already in.
    s.w.stub.put(s.inv, { status: 'paid', amountDue: '0.0000', amountPaid: s.inv.total });
    const processing = s.notify();
    await until(async () => (await s.holds()).length === 1);

    s.resume.open();
    expect(await ticking).toMatchObject({ claimed: 1, rescheduled: 1 });
    expect(s.sent).toEqual([]);
    const held = await s.reminderRow();
    expect(held).toMatchObject({ status: 'scheduled', sendStartedAt: null, attempts: 0 });
    expect(held.statusReason).toMatch(/^held: /);
    expect(held.gateResults).toContainEqual(expect.objectContaining({ gate: 'hold', ok: false }));

    // The webhook's read goes through: paid, so replanning cancels the reminder.
    s.stopRead.open();
    expect(await processing).toMatchObject({ processed: 1, failed: 0 });
    // Replanning removes the paid invoice's reminder: nothing is left to send.
    expect(await s.pending()).toEqual([]);
    expect(await s.holds()).toEqual([]);
    s.w.clock.advance(5 * 60_000);
    expect(await tick(s.deps)).toMatchObject({ claimed: 0 });
    expect(s.sent).toEqual([]);
    // The webhook read in the stop lane, the tick in the send lane.
    expect(s.lanes).toContain('stop');
    expect(s.lanes).toContain('send');
  });

  it('a webhook for an unchanged invoice only delays the reminder: released by its read, sent by the next tick', async () => {
    const s = await world();
    const ticking = tick(s.deps);
    await s.sendReadDone.opened;
    const processing = s.notify(); // an edit that does not change what is owed
    await until(async () => (await s.holds()).length === 1);
    s.resume.open();
    expect(await ticking).toMatchObject({ rescheduled: 1 });
    s.stopRead.open();
    await processing;
    expect(await s.holds()).toEqual([]);
    expect((await s.reminderRow()).status).toBe('scheduled');
    s.w.clock.advance(60_000);
    expect(await tick(s.deps)).toMatchObject({ claimed: 1, sent: 1 });
    expect(s.sent).toHaveLength(1);
  });

  it('a hold older than the read the send relies on does not stop it', async () => {
    const s = await world();
    // A webhook's read failed earlier and left its hold; the tick's own read is newer.
    await database.db.insert(invoiceHold).values({
      invoiceId: s.inv.id,
      firmId: s.w.firm.id,
      ledgerId: s.w.ledger.id,
      heldAt: new Date(s.w.clock.now().getTime() - 1_000),
    });
    s.resume.open();
    expect(await tick(s.deps)).toMatchObject({ claimed: 1, sent: 1 });
    expect(s.sent).toHaveLength(1);
  });
});

describe('history notes wait in the lowest lane', () => {
  it('are queued with the send, written later in the note lane, one call per invoice, kept by the ledger setting', async () => {
    const s = await world();
    s.resume.open();
    expect(await tick(s.deps)).toMatchObject({ sent: 1 });
    expect(s.w.stub.notes).toEqual([]);
    expect(s.lanes).not.toContain('note');
    expect(await writeLedgerNotes(s.deps)).toEqual({ written: 1, failed: 0, deferred: 0 });
    expect(s.lanes).toContain('note');
    expect(s.w.stub.notes).toEqual([
      { id: s.inv.externalId, note: expect.stringMatching(/^overdue: reminder ".+" emailed to /) },
    ]);
    expect(await writeLedgerNotes(s.deps)).toEqual({ written: 0, failed: 0, deferred: 0 });
    const [row] = await database.db.select().from(ledgerNote);
    expect(row).toMatchObject({ status: 'written', kind: 'reminder' });
  });

  it('give way to stopping and sending when the day runs low: deferred to when the budget returns, not failed', async () => {
    const s = await world();
    s.resume.open();
    expect(await tick(s.deps)).toMatchObject({ sent: 1 });
    const refuse = refusingNotes(s.w.stub.connector, 'daily_reserved', 3_600_000);
    expect(await writeLedgerNotes({ ...s.deps, resolve: async () => refuse })).toEqual({
      written: 0,
      failed: 0,
      deferred: 1,
    });
    const [row] = await database.db.select().from(ledgerNote);
    expect(row).toMatchObject({ status: 'pending', attempts: 0, error: 'waiting for the daily call budget' });
    expect(row!.nextAttemptAt.getTime()).toBe(s.w.clock.now().getTime() + 3_600_000);
    s.w.clock.advance(3_600_000);
    expect(await writeLedgerNotes(s.deps)).toMatchObject({ written: 1 });
  });

  it("Xero's own daily limit defers notes too; a connector that cannot be built defers, never fails them", async () => {
    const s = await world();
    s.resume.open();
    expect(await tick(s.deps)).toMatchObject({ sent: 1 });
    const xeroDay = refusingNotes(s.w.stub.connector, 'day', 7_200_000);
    expect(await writeLedgerNotes({ ...s.deps, resolve: async () => xeroDay })).toMatchObject({ deferred: 1 });
    let [row] = await database.db.select().from(ledgerNote);
    expect(row!.nextAttemptAt.getTime()).toBe(s.w.clock.now().getTime() + 7_200_000);
    s.w.clock.advance(7_200_000);
    const unbuildable = async () => {
      throw new Error('xero is not configured on this server');
    };
    expect(await writeLedgerNotes({ ...s.deps, resolve: unbuildable })).toEqual({ written: 0, failed: 0, deferred: 1 });
    [row] = await database.db.select().from(ledgerNote);
    expect(row).toMatchObject({ status: 'pending', attempts: 0, error: 'xero is not configured on this server' });
  });

  it('a ledger set to escalations only keeps no note for a friendly reminder', async () => {
    const s = await world();
    await database.db
      .update(ledger)
      .set({ settings: { ledgerNotes: 'escalations' } })
      .where(eq(ledger.id, s.w.ledger.id));
    s.resume.open();
    expect(await tick(s.deps)).toMatchObject({ sent: 1 });
    expect(await database.db.select().from(ledgerNote)).toEqual([]);
  });

  it('pay links are fetched ahead in the note lane: the send spends no call on them; none offered is asked again a day later', async () => {
    const s = await world();
    const other = await makeInvoice(database.db, s.c, { dueDate: '2026-11-20' });
    await replanContacts(s.w.deps, [s.c.id]);
    s.w.stub.invoices.delete(other.externalId); // this one: the ledger offers no link
    expect(await prefetchPayLinks(s.deps)).toBe(2);
    expect(s.lanes).toEqual(['note']);
    expect((await database.db.select().from(invoice).where(eq(invoice.id, s.inv.id)))[0]!.onlineUrl).toBe(
      `https://pay.example/i/${s.inv.externalId}`,
    );
    expect(await prefetchPayLinks(s.deps)).toBe(0); // asked today already
    s.w.clock.advance(86_400_001);
    expect(await prefetchPayLinks(s.deps)).toBe(1);
  });
});
