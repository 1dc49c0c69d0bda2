import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { message, reminder } from '../../src/db/schema/index.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { recoverStuckSending, tick } from '../../src/services/reminders/tick.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';

/**
 * Reliability (issue 11): the host clock jumps (a suspended VM resumes, NTP steps the time back).
 * A jump forward never releases the backlog as a burst; a jump back never resends what was sent.
 */
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

/** A scheduler pass at the current (jumped) time: replan, recover, tick until nothing is claimed. */
async function schedulerPass(w: Awaited<ReturnType<typeof reminderWorld>>, contactId: string) {
  await replanContacts(w.deps, [contactId]);
  await recoverStuckSending(w.deps);
  while ((await tick(w.deps)).claimed > 0);
}

describe('clock jumps', () => {
  it('forward 24 days: one message for the latest step, not the four it skipped; back 3 days: nothing resent', async () => {
    const w = await reminderWorld(database.db); // Tue 17 Nov 09:00 in Auckland
    const c = await makeContact(database.db, w.ledger);
    const inv = await makeInvoice(database.db, c, { dueDate: '2026-11-20' });
    w.stub.put(inv);
    const sent = async () =>
      (await database.db.select().from(message).where(eq(message.contactId, c.id))).map((m) => m.subject);

    await schedulerPass(w, c.id);
    expect(await sent()).toHaveLength(1); // the pre-due step

    // Fri 11 Dec 09:00: due, +3, +10 and +21 have all passed while the clock was away.
    w.clock.set('2026-12-10T20:00:00Z');
    for (let i = 0; i < 5; i++) {
      await schedulerPass(w, c.id);
      w.clock.advance(60_000);
    }
    const afterJump = await sent();
    expect(afterJump).toHaveLength(2);
    const steps = (await database.db.select().from(reminder).where(eq(reminder.contactId, c.id)))
      .filter((r) => r.status === 'sent')
      .map((r) => r.stepKey);
    expect(steps).toEqual(expect.arrayContaining(['pre-3', 'post+21']));
    expect(steps).toHaveLength(2);

    // NTP steps the clock back to Tue 8 Dec: the steps already sent are not sent again, and the
    // message "from the future" still counts against the weekly cap.
    w.clock.set('2026-12-07T20:00:00Z');
    for (let i = 0; i < 5; i++) {
      await schedulerPass(w, c.id);
      w.clock.advance(3_600_000);
    }
    expect(await sent()).toEqual(afterJump);
  });

  it('back 2 hours while a reminder is sending: not taken for stuck until 10 real minutes after its claim', async () => {
    const w = await reminderWorld(database.db);
    const c = await makeContact(database.db, w.ledger);
    w.stub.put(await makeInvoice(database.db, c, { dueDate: '2026-11-20' }));
    await replanContacts(w.deps, [c.id]);
    // Claimed, then the process died before delivering (the claim's time is on the reminder).
    await database.db
      .update(reminder)
      .set({ status: 'sending', attempts: 1, updatedAt: w.clock.now() })
      .where(eq(reminder.contactId, c.id));
    w.clock.advance(-2 * 3_600_000);
    expect(await recoverStuckSending(w.deps)).toBe(0);
    w.clock.advance(2 * 3_600_000 + 11 * 60_000);
    expect(await recoverStuckSending(w.deps)).toBe(1);
    // Its send never began, so it is retried, not parked: it goes out once.
    while ((await tick(w.deps)).claimed > 0);
    const [row] = await database.db.select().from(reminder).where(eq(reminder.contactId, c.id));
    expect(row).toMatchObject({ status: 'sent' });
    expect(await database.db.select().from(message).where(eq(message.contactId, c.id))).toHaveLength(1);
  });
});
