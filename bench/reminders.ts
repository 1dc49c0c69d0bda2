import { sql } from 'drizzle-orm';
import type { AccountingConnector } from '../connectors/types.ts';
import { type Database, openDatabase, queryRows } from '../src/db/client.ts';
import { runMigrations } from '../src/db/migrate.ts';
import { fixedClock } from '../src/lib/clock.ts';
import { silentLogger } from '../src/lib/logger.ts';
import { captureMailer } from '../src/notify/mailer.ts';
import { replanContacts } from '../src/services/reminders/planning.ts';
import { tick } from '../src/services/reminders/tick.ts';
import { freshBenchDatabase, report } from './lib.ts';

/**
 * Reminder planning and the tick at scale, on Postgres:
 * 1. plan: the real planner over BENCH_PLAN_INVOICES (default 100,000) open invoices, 10 per
 *    customer, across 100 ledgers;
 * 2. tick: claim, gate and send (captured mail, in-memory ledger for the pre-send fetch) 10,000
 *    due reminders, once with 100,000 open invoices present and once with 1,000,000, each in a
 *    fresh database seeded in SQL: every open invoice has its planned reminder, only 10,000 are
 *    due. The two times should match: a tick's cost follows due work, not the size of the ledgers.
 */
const PLAN_INVOICES = Number(process.env.BENCH_PLAN_INVOICES ?? 100_000);
const PRESENT = (process.env.BENCH_TICK_PRESENT ?? '100000,1000000').split(',').map(Number);
const LEDGERS = 100;
const DUE = Number(process.env.BENCH_TICK_DUE ?? 10_000);
const PER_CONTACT = 10;
const NOW = '2026-11-17T00:00:00Z'; // Tue 13:00 in Auckland

async function benchDatabase(): Promise<{ database: Database; drop(): Promise<void>; note: string }> {
  const fresh = await freshBenchDatabase();
  if (!fresh.url) throw new Error(`the reminder benchmark needs Postgres: ${fresh.note}`);
  const database = await openDatabase({ url: fresh.url, pgliteDir: ':memory:', maxConnections: 8 });
  await runMigrations(database);
  return {
    database,
    note: fresh.note,
    drop: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}

/** A firm with LEDGERS ledgers in Auckland, in safe mode off. */
async function firmWithLedgers(db: Database['db']) {
  const [f] = await queryRows<{ id: string }>(db, sql`insert into firm (name) values ('Bench') returning id`);
  await db.execute(sql`
    insert into ledger (firm_id, provider, external_id, name, base_currency, timezone, country, safe_mode)
    select ${f!.id}, 'xero', 'tenant-' || lpad(g::text, 5, '0'), 'Ledger ' || g, 'NZD', 'Pacific/Auckland', 'NZ', false
    from generate_series(1, ${LEDGERS}) g`);
  return f!.id;
}

/** Contacts (`perContact` open invoices each) spread over the ledgers, in SQL (the mirror's shape). */
async function seedInvoices(
  db: Database['db'],
  firmId: string,
  from: number,
  invoices: number,
  perContact: number,
  dueDate: string,
  tag: string,
) {
  const contacts = Math.ceil(invoices / perContact);
  await db.execute(
    sql.raw(`
    insert into contact (firm_id, ledger_id, external_id, provider_updated_at, name, email, timezone, status)
    select '${firmId}', l.id, '${tag}c' || g, now(), 'Customer ' || g, 'ap' || g || '@example.com', null, 'active'
    from generate_series(${from + 1}, ${from + contacts}) g
    join (select id, row_number() over (order by external_id) - 1 as n from ledger where firm_id = '${firmId}') l on l.n = g % ${LEDGERS}`),
  );
  await db.execute(
    sql.raw(`
    insert into invoice (firm_id, ledger_id, contact_id, contact_external_id, external_id, number, provider_updated_at, status, currency, issue_date, due_date, total, amount_due, sent_to_contact)
    select c.firm_id, c.ledger_id, c.id, c.external_id, '${tag}i' || g, 'INV-${tag}' || g, now(), 'open', 'NZD', date '2026-10-01', date '${dueDate}', 115, 115, true
    from generate_series(${from * perContact + 1}, ${from * perContact + invoices}) g
    join contact c on c.external_id = '${tag}c' || ((g - 1) / ${perContact} + 1) and c.firm_id = '${firmId}'`),
  );
  return contacts;
}

/** One planned reminder per contact of the tag, due at `dueAt`, covering all its open invoices. */
async function seedReminders(db: Database['db'], tag: string, dueAt: string, stepKey: string) {
  await db.execute(
    sql.raw(`
    with r as (
      insert into reminder (firm_id, ledger_id, contact_id, step_key, template_key, kind, due_at, status)
      select c.firm_id, c.ledger_id, c.id, '${stepKey}', 'friendly', 'email', timestamptz '${dueAt}', 'scheduled'
      from contact c where c.external_id like '${tag}c%'
      returning id, contact_id)
    insert into reminder_item (reminder_id, invoice_id, firm_id, step_key)
    select r.id, i.id, i.firm_id, '${stepKey}' from r join invoice i on i.contact_id = r.contact_id`),
  );
}

const noLedger = {
  provider: 'xero',
  fetchOne: async () => null,
  addInvoiceNote: async () => {},
} as unknown as AccountingConnector;

async function planPhase() {
  const { database, drop } = await benchDatabase();
  try {
    const db = database.db;
    const firmId = await firmWithLedgers(db);
    await seedInvoices(db, firmId, 0, PLAN_INVOICES, PER_CONTACT, '2027-03-01', 'p');
    const clock = fixedClock(NOW);
    const contactIds = (
      await queryRows<{ id: string }>(db, sql`select id from contact where firm_id = ${firmId} order by id`)
    ).map((r) => r.id);
    const t = performance.now();
    const planned = await replanContacts({ db, clock, logger: silentLogger }, contactIds);
    const seconds = (performance.now() - t) / 1000;
    return {
      phase: 'plan',
      'open invoices': PLAN_INVOICES,
      contacts: contactIds.length,
      reminders: planned.reminders,
      seconds: +seconds.toFixed(1),
      'invoices/s': Math.round(PLAN_INVOICES / seconds),
    };
  } finally {
    await drop();
  }
}

async function tickPhase(present: number) {
  const { database, drop } = await benchDatabase();
  try {
    const db = database.db;
    const firmId = await firmWithLedgers(db);
    let t = performance.now();
    // 10,000 customers with one invoice each and a step due now; the rest planned months ahead.
    await seedInvoices(db, firmId, 0, DUE, 1, '2026-11-14', 'd');
    await seedInvoices(db, firmId, DUE, present - DUE, PER_CONTACT, '2027-03-01', 'f');
    await seedReminders(db, 'd', NOW, 'post+3');
    await seedReminders(db, 'f', '2027-02-26T19:00:00Z', 'pre-3');
    await db.execute(sql`analyze`);
    const seedSeconds = (performance.now() - t) / 1000;
    const clock = fixedClock(NOW);
    const deps = {
      db,
      clock,
      logger: silentLogger,
      resolve: async () => noLedger,
      mailer: captureMailer,
      publicUrl: 'https://overdue.example.com',
      mailFrom: 'r@example.com',
    };
    const [{ n: reminders } = { n: 0 }] = await queryRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from reminder`,
    );
    t = performance.now();
    const totals: Record<string, number> = { claimed: 0, sent: 0 };
    for (;;) {
      const r = await tick(deps, { limit: 500 });
      if (r.claimed === 0) break;
      totals.claimed! += r.claimed;
      totals.sent! += r.sent ?? 0;
    }
    const seconds = (performance.now() - t) / 1000;
    return {
      phase: 'tick',
      'open invoices': present,
      reminders,
      'due reminders': DUE,
      claimed: totals.claimed!,
      sent: totals.sent!,
      seconds: +seconds.toFixed(1),
      'reminders/s': Math.round(totals.claimed! / seconds),
      'seed s': +seedSeconds.toFixed(1),
    };
  } finally {
    await drop();
  }
}

export async function reminderBench() {
  const rows: Record<string, string | number>[] = [await planPhase()];
  const ticks = [];
  for (const present of PRESENT) ticks.push(await tickPhase(present));
  const base = ticks[0]!;
  for (const r of ticks)
    rows.push({ ...r, [`vs ${base['open invoices'] / 1000}k present`]: `${(r.seconds / base.seconds).toFixed(2)}x` });
  return report('reminders', rows, {
    database: 'Postgres',
    goal: 'tick time with 1,000,000 open invoices present ≈ with 100,000 (cost follows due work)',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await reminderBench();
