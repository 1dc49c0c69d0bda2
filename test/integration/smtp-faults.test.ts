import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import { expect, it } from 'vitest';
import { message, reminder } from '../../src/db/schema/index.ts';
import { type Mailer, smtpMailer } from '../../src/notify/mailer.ts';
import { MAX_SEND_ATTEMPTS } from '../../src/services/reminders/claim-outcomes.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { freshDatabasePerTest } from '../support/db.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { reminderWorld, smtpSink } from '../support/reminders.ts';

/** The mail server refusing, failing or dropping the connection: retries, then a person; never twice. */
const fresh = freshDatabasePerTest();

async function world(mailer: Mailer) {
  const w = await reminderWorld(fresh.database.db, { mailer });
  const c = await makeContact(fresh.database.db, w.ledger);
  const inv = await makeInvoice(fresh.database.db, c, { dueDate: '2026-11-20' }); // pre-3 step due now
  w.stub.put(inv);
  await replanContacts(w.deps, [c.id]);
  const row = async () => (await fresh.database.db.select().from(reminder).where(eq(reminder.contactId, c.id)))[0]!;
  const messages = () => fresh.database.db.select().from(message).where(eq(message.contactId, c.id));
  return { ...w, c, row, messages };
}

/** An SMTP server that takes the whole message and then drops the connection before replying. */
async function droppingServer() {
  const server = createServer((socket: Socket) => {
    socket.write('220 mx.example ESMTP\r\n');
    let data = false;
    let buf = '';
    socket.on('data', (chunk) => {
      buf += chunk.toString();
      if (data) {
        if (buf.includes('\r\n.\r\n')) socket.destroy(); // accepted? nobody will ever know
        return;
      }
      for (let i = buf.indexOf('\r\n'); i >= 0; i = buf.indexOf('\r\n')) {
        const line = buf.slice(0, i).toUpperCase();
        buf = buf.slice(i + 2);
        if (line.startsWith('EHLO') || line.startsWith('HELO')) socket.write('250 mx.example\r\n');
        else if (line.startsWith('MAIL') || line.startsWith('RCPT')) socket.write('250 ok\r\n');
        else if (line.startsWith('DATA')) {
          data = true;
          socket.write('354 go ahead\r\n');
        } else if (line.startsWith('QUIT')) socket.end('221 bye\r\n');
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `smtp://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

it('server down: retried with backoff, then left for a person after the fifth attempt; nothing sent', async () => {
  const w = await world(smtpMailer('smtp://127.0.0.1:1'));
  const delays = [5, 20, 80, 320];
  for (let attempt = 1; attempt <= MAX_SEND_ATTEMPTS; attempt++) {
    expect(await tick(w.deps), `attempt ${attempt}`).toMatchObject({ claimed: 1 });
    const r = await w.row();
    if (attempt < MAX_SEND_ATTEMPTS) {
      expect(r).toMatchObject({ status: 'scheduled', attempts: attempt });
      expect(r.dueAt.getTime() - w.clock.now().getTime()).toBe(delays[attempt - 1]! * 60_000);
      w.clock.advance(delays[attempt - 1]! * 60_000);
    } else {
      expect(r.status).toBe('needs_review');
      expect(r.statusReason).toMatch(/^not sent after 5 attempts; mail server: /);
    }
  }
  expect(await tick(w.deps)).toMatchObject({ claimed: 0 });
  expect(await w.messages()).toEqual([]);
});

it('a temporary refusal (451) is retried and the message then goes exactly once', async () => {
  let refusals = 1;
  const sink = await smtpSink({ reject: () => (refusals-- > 0 ? 451 : null) });
  fresh.cleanups.push(sink.close);
  const w = await world(smtpMailer(sink.url));
  expect(await tick(w.deps)).toMatchObject({ claimed: 1, rescheduled: 1 });
  expect(sink.received).toHaveLength(0);
  w.clock.advance(5 * 60_000);
  expect(await tick(w.deps)).toMatchObject({ claimed: 1, sent: 1 });
  w.clock.advance(60 * 60_000);
  expect(await tick(w.deps)).toMatchObject({ claimed: 0 });
  expect(sink.received).toHaveLength(1);
  expect((await w.messages()).map((m) => m.status)).toEqual(['sent']);
});

it('a connection dropped after the message was handed over: never resent, a person decides', async () => {
  const server = await droppingServer();
  fresh.cleanups.push(server.close);
  const w = await world(smtpMailer(server.url));
  await tick(w.deps);
  const r = await w.row();
  expect(r.status).toBe('needs_review');
  w.clock.advance(24 * 3600_000);
  expect(await tick(w.deps)).toMatchObject({ claimed: 0 });
  expect((await w.messages()).filter((m) => m.status === 'sent')).toEqual([]);
});
