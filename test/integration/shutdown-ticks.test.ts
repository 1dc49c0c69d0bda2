import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { reminder } from '../../src/db/schema/index.ts';
import { startScheduledTasks } from '../../src/jobs/schedule.ts';
import type { TaskDeps } from '../../src/tasks/deps.ts';
import { captureMailer, type Mailer } from '../../src/notify/mailer.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { waitUntil } from '../support/wait.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

/** Issue 33: shutdown used to leave the batch being sent in `sending` until recovery after restart. */
it('a shutdown waits for the reminders being sent: none is left in sending, every one recorded', async () => {
  let started = 0;
  const mailer: Mailer = {
    kind: 'capture',
    send: async (m) => {
      started++;
      // A slow mail server: the shutdown arrives while the batch is on its way.
      await new Promise((r) => setTimeout(r, 150));
      return captureMailer.send(m);
    },
  };
  const w = await reminderWorld(database.db, { mailer });
  const contacts = [];
  for (let i = 0; i < 4; i++) {
    const c = await makeContact(database.db, w.ledger);
    w.stub.put(await makeInvoice(database.db, c, { dueDate: '2026-11-10' }));
    contacts.push(c.id);
  }
  await replanContacts(w.deps, contacts);
  const config = { publicUrl: w.deps.publicUrl, mailFrom: w.deps.mailFrom, tickIntervalMs: 10 };
  const stop = startScheduledTasks({ ...w.deps, config } as unknown as TaskDeps, ['reminders']);
  await waitUntil(() => started > 0, { what: 'a send to begin' });
  await stop(10_000);
  const rows = await database.db.select().from(reminder).where(eq(reminder.ledgerId, w.ledger.id));
  expect(rows.filter((r) => r.status === 'sending')).toEqual([]);
  expect(rows.filter((r) => r.status === 'sent')).toHaveLength(started);
});
