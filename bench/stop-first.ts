import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { setupServer } from 'msw/node';
import { RateLimiter } from '../connectors/shared/ratelimit.ts';
import type { Lane } from '../connectors/types.ts';
import { loadConfig } from '../src/config.ts';
import { openDatabase, queryRows } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { connection, contact, firm, ledger, ledgerNote, reminder } from '../src/db/schema/index.ts';
import type { Clock } from '../src/lib/clock.ts';
import { createLogger } from '../src/lib/logger.ts';
import { startServer } from '../src/server.ts';
import { mirrorHandlers } from '../src/services/background.ts';
import { syncLedger } from '../src/services/sync.ts';
import { sign, XERO_KEY, xeroBatch } from '../test/support/webhooks/deliver.ts';
import { XeroFake } from '../test/support/xero/fake.ts';
import { templates } from '../test/support/xero/fixtures.ts';
import { XeroLimits } from '../test/support/xero/limits.ts';
import { freshBenchDatabase, report } from './lib.ts';

/**
 * Stop first, measured on the running service (its own tick, note writer, job engine and webhook
 * route) against the Xero fake with Xero's limits enforced (5 in flight, 60 a minute, 5,000 a day
 * per organisation; over them, 429s):
 * 1. the tick sends REMINDERS (400) reminders to one organisation while PAYMENTS (20) of its other
 *    invoices are paid, one every 500 ms, each announced by a signed webhook: the time from the
 *    webhook's arrival to the paid invoice's reminder being gone (p50, p95; goal p95 < 5 s);
 * 2. provider calls per sent reminder, for 1-invoice and 5-invoice reminders, by lane: the send
 *    path (reads before sending) and history notes (queued, written later in the lowest lane);
 * 3. reminders per hour within 60 calls/min and per day within 5,000 calls, from those costs.
 * Pay links are on the mirror already, as the note lane fetches them the day before (one call
 * per invoice in its life); that cost is stated, not re-measured here.
 */
const REMINDERS = Number(process.env.BENCH_STOP_REMINDERS ?? 400);
const PAYMENTS = Number(process.env.BENCH_STOP_PAYMENTS ?? 20);
/** A Wednesday, 10:00 in Auckland: inside every send window. The service's clock runs from here. */
const START = Date.parse('2026-11-17T21:00:00Z');

type Row = Record<string, string | number>;

function laneCounter() {
  const counts: Record<Lane, number> = { stop: 0, send: 0, note: 0, bulk: 0 };
  const acquire = RateLimiter.prototype.acquire;
  RateLimiter.prototype.acquire = async function (this: RateLimiter, tenantId: string, lane: Lane = 'bulk') {
    const release = await acquire.call(this, tenantId, lane);
    counts[lane]++;
    return release;
  };
  return {
    counts,
    snapshot: () => ({ ...counts }),
    restore: () => {
      RateLimiter.prototype.acquire = acquire;
    },
  };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : Number.NaN;
};
const round = (n: number, d = 2) => Math.round(n * 10 ** d) / 10 ** d;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string) {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

async function run(kind: 'Postgres' | 'PGlite', perReminder: number, payments: number): Promise<Row> {
  const fresh = kind === 'Postgres' ? await freshBenchDatabase() : undefined;
  if (kind === 'Postgres' && !fresh?.url) throw new Error(`the stop-first benchmark needs Postgres: ${fresh?.note}`);
  const database = await openDatabase({ url: fresh?.url, pgliteDir: ':memory:', maxConnections: 8 });
  await runMigrations(database);

  // Xero, as strict as Xero: its limits enforced, one organisation, customers each owing overdue invoices.
  const fake = new XeroFake();
  fake.limits = new XeroLimits();
  fake.addUser('bench', 'bench@example.com');
  const tenant = fake.addTenant('bench', 'Bench Ltd');
  const tpl = templates().invoiceAuthorised;
  const updated = `/Date(${START - 86_400_000}+0000)/`;
  const due = `/Date(${Date.parse('2026-11-03T00:00:00Z')}+0000)/`;
  const customers = REMINDERS + payments;
  for (let c = 0; c < customers; c++) {
    const contactId = randomUUID();
    tenant.Contacts.push({
      ContactID: contactId,
      Name: `Customer ${c}`,
      EmailAddress: `ap${c}@customer.example`,
      ContactStatus: 'ACTIVE',
      IsCustomer: true,
      UpdatedDateUTC: updated,
    });
    for (let i = 0; i < (c < REMINDERS ? perReminder : 1); i++) {
      const { LineItems: _lines, ...rest } = tpl;
      tenant.Invoices.push({
        ...rest,
        InvoiceID: randomUUID(),
        InvoiceNumber: `INV-${c}-${i}`,
        Contact: { ContactID: contactId, Name: `Customer ${c}` },
        DueDate: due,
        DueDateString: '2026-11-03T00:00:00',
        Total: 115,
        AmountDue: 115,
        AmountPaid: 0,
        UpdatedDateUTC: updated,
      });
    }
  }
  const msw = setupServer(...fake.handlers());
  msw.listen({ onUnhandledRequest: 'bypass' });

  const offset = START - Date.now();
  const clock: Clock = { now: () => new Date(Date.now() + offset) };
  const config = loadConfig({
    NODE_ENV: 'production',
    ENCRYPTION_KEYS: `bench:${Buffer.alloc(32, 3).toString('base64')}`,
    XERO_CLIENT_ID: fake.clientId,
    XERO_CLIENT_SECRET: fake.clientSecret,
    XERO_WEBHOOK_KEY: XERO_KEY,
    PUBLIC_URL: 'https://overdue.example.com',
    PORT: '0',
    TICK_INTERVAL_SECONDS: '5',
    DEMO_LEDGER: 'false',
    LOG_LEVEL: 'silent',
  });
  const lanes = laneCounter();
  const running = await startServer(config, { database, clock, logger: createLogger('silent') });
  try {
    const { db } = database;
    const [f] = await db.insert(firm).values({ name: 'Bench' }).returning();
    const [conn] = await db.insert(connection).values({ firmId: f!.id, provider: 'xero' }).returning();
    const grant = fake.grant('bench');
    await running.deps.integrations.tokens.store(db, conn!.id, {
      accessToken: grant.access,
      refreshToken: grant.refresh,
      accessExpiresAt: new Date('2030-01-01T00:00:00Z'),
      scopes: [],
    });
    const [l] = await db
      .insert(ledger)
      .values({
        firmId: f!.id,
        connectionId: conn!.id,
        provider: 'xero',
        externalId: tenant.tenantId,
        name: 'Bench',
        baseCurrency: 'NZD',
        timezone: 'Pacific/Auckland',
        country: 'NZ',
        safeMode: false,
      })
      .returning();
    const base = { db, clock, logger: running.deps.logger };
    await syncLedger(
      { ctx: { ...base, firmId: f!.id, actor: { type: 'system', name: 'bench' } }, input: { ledgerId: l!.id } },
      await running.deps.integrations.resolve(l!),
      mirrorHandlers(base),
    );
    // Pay links were fetched the day before, in the note lane (once per invoice in its life).
    await db.execute(sql`update invoice set online_url = 'https://in.xero.com/' || left(external_id, 8)`);
    const byNumber = new Map(
      (await db.select({ id: contact.id, name: contact.name }).from(contact)).map((c) => [c.name, c.id]),
    );
    const chase = [...Array(REMINDERS).keys()].map((c) => byNumber.get(`Customer ${c}`)!);
    const targets = [...Array(payments).keys()].map((p) => REMINDERS + p);
    const pending = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int n from reminder where status = 'scheduled' and kind = 'email'`,
    );
    if (pending[0]!.n < customers) throw new Error(`expected a reminder per customer, found ${pending[0]!.n}`);
    // Only the chase reminders are due; the payment targets' next reminders are due tomorrow.
    await db.update(reminder).set({ dueAt: new Date(clock.now().getTime() + 86_400_000) });

    const before = lanes.snapshot();
    const refusedBefore = { ...fake.limits.refused };
    const t0 = Date.now();
    await db
      .update(reminder)
      .set({ dueAt: clock.now() })
      .where(and(inArray(reminder.contactId, chase), eq(reminder.status, 'scheduled')));
    const sentCount = async () =>
      (
        await queryRows<{ n: number }>(
          db,
          sql`select count(*)::int n from reminder where status = 'sent' and ledger_id = ${l!.id}`,
        )
      )[0]!.n;
    await waitFor(
      async () =>
        (
          await queryRows<{ n: number }>(
            db,
            sql`select count(*)::int n from reminder where status in ('sending', 'sent')`,
          )
        )[0]!.n > 0,
      30_000,
      'the tick to start',
    );

    // Payments while the tick sends: each invoice paid in Xero, then its webhook.
    const latencies: number[] = [];
    const stops = targets.map(async (c, k) => {
      await sleep(k * 500);
      const contactId = byNumber.get(`Customer ${c}`)!;
      const inv = tenant.Invoices.find((i) => (i.Contact as { Name: string }).Name === `Customer ${c}`)!;
      Object.assign(inv, {
        Status: 'PAID',
        AmountDue: 0,
        AmountPaid: 115,
        FullyPaidOnDate: `/Date(${START}+0000)/`,
        UpdatedDateUTC: `/Date(${clock.now().getTime()}+0000)/`,
      });
      const body = xeroBatch([{ tenantId: tenant.tenantId, resourceId: String(inv.InvoiceID) }]);
      const at = performance.now();
      const res = await fetch(`http://127.0.0.1:${running.port}/webhooks/xero`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-xero-signature': sign(XERO_KEY, body) },
        body,
      });
      if (res.status !== 200) throw new Error(`webhook refused: ${res.status}`);
      await waitFor(
        async () =>
          (
            await db
              .select({ id: reminder.id })
              .from(reminder)
              .where(and(eq(reminder.contactId, contactId), inArray(reminder.status, ['scheduled', 'sending'])))
          ).length === 0,
        120_000,
        'a paid invoice to stop being chased',
      );
      latencies.push(performance.now() - at);
    });
    await Promise.all(stops);
    await waitFor(async () => (await sentCount()) >= REMINDERS, 300_000, 'every reminder to be sent');
    const sendSeconds = (Date.now() - t0) / 1000;
    const after = lanes.snapshot();
    const sent = await sentCount();
    const notes = (await db.select({ id: ledgerNote.id }).from(ledgerNote).where(eq(ledgerNote.ledgerId, l!.id)))
      .length;
    const paidSent = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int n from message m join contact c on c.id = m.contact_id
          where c.name = any(${`{${targets.map((c) => `"Customer ${c}"`).join(',')}}`}::text[])`,
    );
    const sendCalls = after.send - before.send;
    const perSend = sendCalls / sent;
    const notesPer = notes / sent;
    const refused = fake.limits.refused;
    return {
      database: kind,
      'invoices per reminder': perReminder,
      sent,
      'send s': round(sendSeconds, 1),
      'sent/hour at this pace': Math.floor((sent / sendSeconds) * 3600),
      'send-path calls': sendCalls,
      'calls/reminder (notes deferred)': round(perSend, 3),
      'notes queued/reminder': round(notesPer, 2),
      'calls/reminder (with notes)': round(perSend + notesPer, 3),
      // What the organisation's budget allows: 59 paced calls a minute, 5,000 a day.
      'reminders/hour (60/min, notes deferred)': Math.floor((59 * 60) / perSend),
      'reminders/day (5,000, notes deferred)': Math.floor(5000 / perSend),
      'reminders/day (notes kept to half the day)': Math.floor(Math.max(2500 / perSend, 5000 / (perSend + notesPer))),
      ...(payments
        ? {
            payments,
            'stop p50 s': round(pct(latencies, 50) / 1000),
            'stop p95 s': round(pct(latencies, 95) / 1000),
            'stop max s': round(Math.max(...latencies) / 1000),
            'paid customers emailed': paidSent[0]!.n,
            'stop-lane calls': after.stop - before.stop,
          }
        : {}),
      '429s':
        refused.concurrent +
        refused.minute +
        refused.day -
        (refusedBefore.concurrent + refusedBefore.minute + refusedBefore.day),
    };
  } finally {
    lanes.restore();
    msw.close();
    await running.stop();
    await fresh?.drop();
  }
}

/** `npm run bench` part: both databases, 1-invoice reminders with payments, then 5-invoice reminders. */
export async function stopFirstBench() {
  const rows: Row[] = [];
  for (const kind of ['Postgres', 'PGlite'] as const) {
    rows.push(await run(kind, 1, PAYMENTS));
    rows.push(await run(kind, 5, 0));
  }
  const ok = rows.every(
    (r) =>
      (r['stop p95 s'] === undefined || Number(r['stop p95 s']) < 5) &&
      Number(r['calls/reminder (notes deferred)']) <= (r['invoices per reminder'] === 1 ? 1.05 : 1.1) &&
      Number(r['paid customers emailed'] ?? 0) === 0,
  );
  return report('stop-first', rows, {
    goals: {
      'stop p95': '< 5 s while the tick sends 400 reminders to the same organisation',
      'calls per reminder': '≤ 1.05 (1 invoice), ≤ 1.1 (5 invoices) with notes deferred; ≤ 1.2 / ≤ 1.5 with notes',
      'pay links': 'one call per invoice in its life, fetched the day before in the note lane (not in these runs)',
    },
    met: ok,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await stopFirstBench();
