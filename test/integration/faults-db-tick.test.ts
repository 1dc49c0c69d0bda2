import { and, eq, inArray } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invoice, message, reminder, reminderItem } from '../../src/db/schema/index.ts';
import { captureMailer, type Mailer } from '../../src/notify/mailer.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { recoverStuckSending, tick } from '../../src/services/reminders/tick.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { type KillableDatabase, killableDatabase } from '../support/killable-db.ts';
import { reminderWorld } from '../support/reminders.ts';

/**
 * Reliability (issue 11; #12, #13, #15): the database connection dies in the middle of a tick.
 * Whatever the moment, after a restart every due reminder's message leaves exactly once, or (only
 * where the mail server was already called) a person is asked; none is lost, none is doubled.
 */
let database: KillableDatabase;
beforeEach(async () => {
  database = await killableDatabase();
});
afterEach(() => database.drop());

const DEBTORS = 30;

/** 30 debtors with one invoice each, all with a reminder due now; mail counted per reminder. */
async function dueReminders() {
  const mails = new Map<string, number>();
  const hooks: { beforeMail?: (n: number) => Promise<void>; afterMail?: (n: number) => Promise<void> } = {};
  let calls = 0;
  const mailer: Mailer = {
    kind: 'capture',
    send: async (m) => {
      const n = ++calls;
      await hooks.beforeMail?.(n);
      const out = await captureMailer.send(m);
      mails.set(m.idempotencyKey, (mails.get(m.idempotencyKey) ?? 0) + 1);
      // The server has the message: a kill now is "accepted, outcome not yet recorded".
      await hooks.afterMail?.(n);
      return out;
    },
  };
  // The stub reads customers through the database handle of the moment (it is reopened after a kill).
  const w = await reminderWorld(database.db, { mailer, currentDb: () => database.db });
  const contacts = [];
  for (let i = 0; i < DEBTORS; i++) {
    const c = await makeContact(database.db, w.ledger);
    w.stub.put(await makeInvoice(database.db, c, { dueDate: '2026-11-20' }));
    contacts.push(c.id);
  }
  await replanContacts(w.deps, contacts);
  let fetches = 0;
  const fetchHooks: { beforeFetch?: (n: number, invoiceExternalId: string) => Promise<void> } = {};
  const fetchOne = w.stub.connector.fetchOne.bind(w.stub.connector);
  w.stub.connector.fetchOne = (async (...args: Parameters<typeof fetchOne>) => {
    if (args[1] === 'invoices') await fetchHooks.beforeFetch?.(++fetches, args[2]);
    return fetchOne(...args);
  }) as typeof fetchOne;
  /** Deps on the current database handle: after a restart, the reopened one. */
  const deps = () => ({ ...w.deps, db: database.db });
  return { w, contacts, mails, hooks, fetchHooks, deps };
}

/** Recovers and ticks as the scheduler does, every half hour of fake time, restarting after a failure. */
async function runToCompletion(s: Awaited<ReturnType<typeof dueReminders>>, rounds = 24) {
  for (let i = 0; i < rounds; i++) {
    try {
      await recoverStuckSending(s.deps());
      while ((await tick(s.deps(), { limit: 10 })).claimed > 0);
    } catch {
      // The process lost its database (PGlite closed under it): start again, as a restart would.
      await database.restart();
    }
    // Half an hour on: past the 10-minute stuck threshold and the first retry backoffs.
    s.w.clock.advance(30 * 60_000);
  }
}

/**
 * Ticks on until no reminder is waiting any more (sent or parked), at most three days of fake
 * time: a reminder that failed four times during the kills retries 5 h 20 min later, which can
 * fall after the debtor's send window closes and so wait for the next morning's.
 */
async function runUntilSettled(s: Awaited<ReturnType<typeof dueReminders>>, maxRounds = 3 * 48) {
  for (let i = 0; i < maxRounds; i++) {
    await runToCompletion(s, 1);
    // Read as the ticks do: a connection the kills cut can still be in the pool, and its first
    // statement fails; that is a lost database (restart, tick again), not an outcome.
    const waiting = await database.db
      .select({ id: reminder.id })
      .from(reminder)
      .where(and(inArray(reminder.contactId, s.contacts), inArray(reminder.status, ['scheduled', 'sending'])))
      .then(
        (rows) => rows.length,
        async () => {
          await database.restart();
          return -1;
        },
      );
    if (waiting === 0) return;
  }
}

async function outcomes(s: Awaited<ReturnType<typeof dueReminders>>) {
  const rows = await database.db.select().from(reminder).where(inArray(reminder.contactId, s.contacts));
  const logged = await database.db
    .select({ reminderId: message.reminderId })
    .from(message)
    .where(inArray(message.contactId, s.contacts));
  const logCount = new Map<string, number>();
  for (const m of logged) logCount.set(m.reminderId!, (logCount.get(m.reminderId!) ?? 0) + 1);
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    reason: r.statusReason,
    sendStarted: r.sendStartedAt !== null,
    mails: s.mails.get(r.id) ?? 0,
    logged: logCount.get(r.id) ?? 0,
  }));
}

/** The invariants whatever the kill points: never doubled, never lost, a person only where needed. */
function expectNoneLostNoneDoubled(rows: Awaited<ReturnType<typeof outcomes>>) {
  expect(rows).toHaveLength(DEBTORS);
  expect(rows.filter((r) => r.mails > 1)).toEqual([]);
  for (const r of rows) {
    if (r.status === 'sent')
      expect(r, 'a sent reminder was mailed once and logged once').toMatchObject({ mails: 1, logged: 1 });
    else
      expect(r, 'anything not sent is parked for a person, never left pending').toMatchObject({
        status: 'needs_review',
      });
  }
}

describe('database connection killed mid-tick', () => {
  it('during a pre-send fetch, then right after the server accepted a message: the first retried and sent, sends under way parked for review', async () => {
    const s = await dueReminders();
    let killedAtFetch: string | undefined;
    let kills = 0;
    s.fetchHooks.beforeFetch = async (n, invoiceExternalId) => {
      if (n !== 5) return;
      killedAtFetch = invoiceExternalId;
      kills += await database.kill();
    };
    s.hooks.afterMail = async (n) => {
      if (n === 12) kills += await database.kill();
    };
    await runToCompletion(s);
    const rows = await outcomes(s);
    expectNoneLostNoneDoubled(rows);
    expect(kills).toBeGreaterThanOrEqual(2);
    // Those parked are exactly the sends under way when the database went (the server has the
    // message, our record of it was lost): each mailed once, none logged, none resent.
    const review = rows.filter((r) => r.status === 'needs_review');
    expect(review.length).toBeGreaterThan(0);
    for (const r of review)
      expect(r).toMatchObject({ mails: 1, logged: 0, reason: expect.stringMatching(/may have been emailed/) });
    // The reminder whose pre-send fetch was under way had not reached the server: retried, sent once.
    const [hit] = await database.db
      .select({ id: reminderItem.reminderId })
      .from(reminderItem)
      .innerJoin(invoice, eq(invoice.id, reminderItem.invoiceId))
      .where(eq(invoice.externalId, killedAtFetch!));
    expect(rows.find((r) => r.id === hit!.id)).toMatchObject({ status: 'sent', mails: 1, logged: 1 });
  });

  it('connections cut throughout the ticks (Postgres: every 5–40 ms; PGlite: between statements): none lost, none doubled', async () => {
    const s = await dueReminders();
    // Each call is slow enough that ticks span many kills.
    s.hooks.beforeMail = () => new Promise((r) => setTimeout(r, 5));
    let kills = 0;
    let stop = false;
    const kill = async () => {
      if (!stop && (await database.kill()) > 0) kills++;
    };
    // Postgres: a timer terminates the backends whatever they are doing. PGlite is in-process and
    // cannot be closed under a running statement, so the process dies between statements: at a
    // random share of the fetches and sends, before or after the mail server took the message.
    if (database.kind === 'pglite') {
      const maybe = () => (Math.random() < 0.25 ? kill() : Promise.resolve());
      s.hooks.beforeMail = maybe;
      s.hooks.afterMail = maybe;
      s.fetchHooks.beforeFetch = maybe;
    }
    const killer = (async () => {
      while (!stop && database.kind !== 'pglite') {
        await new Promise((r) => setTimeout(r, 5 + Math.floor(Math.random() * 35)));
        await kill();
      }
    })();
    // Killing goes on for at least 4 rounds and until it has cut more than 5 times: a condition,
    // so a slow host gets as many kills as a fast one (bounded, so a hang fails clearly).
    try {
      for (let round = 0; round < 4 || kills <= 5; round++) {
        if (round >= 60) throw new Error(`only ${kills} kills in ${round} rounds`);
        await runToCompletion(s, 1);
      }
    } finally {
      stop = true;
      await killer;
    }
    await database.restart();
    delete s.hooks.beforeMail;
    delete s.hooks.afterMail;
    delete s.fetchHooks.beforeFetch;
    await runUntilSettled(s);
    expect(kills).toBeGreaterThan(5);
    const rows = await outcomes(s);
    expectNoneLostNoneDoubled(rows);
    // Parked ones are only those whose send had begun (a kill while several sends are under way
    // parks them all): the rest were retried and sent.
    const parked = rows.filter((r) => r.status !== 'sent');
    expect(parked.filter((r) => !r.sendStarted && !/^not sent after/.test(r.reason ?? ''))).toEqual([]);
    expect(rows.length - parked.length).toBeGreaterThan(0);
  }, 90_000);
});
