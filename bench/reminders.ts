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
 * Reminder planning and the tick at scale (Postgres when reachable):
 * 1. plan every open invoice: BENCH_INVOICES (default 1,000,000) across BENCH_LEDGERS (1,000)
 *    ledgers, 10 invoices per contact;
 * 2. a tick that claims, re-fetches (in-memory connector), gates and sends 10,000 due reminders,
 *    measured twice: with the ledger as seeded and after adding as many invoices again (not due).
 *    The two times should match: a tick's cost follows due work, not the size of the ledgers.
 */
const INVOICES = Number(process.env.BENCH_INVOICES ?? 1_000_000);
const LEDGERS = Number(process.env.BENCH_LEDGERS ?? 1_000);
const DUE = 10_000;
const PER_CONTACT = 10;

async function benchDatabase(): Promise<{ database: Database; drop(): Promise<void>; note: string }> {
  const fresh = await freshBenchDatabase();
  const database = await openDatabase({ url: fresh.url, pgliteDir: ':memory:', maxConnections: 8 });
  return {
    database,
    note: fresh.note,
    drop: async () => {
      await database.close();
      await fresh.drop();
    },
  };
}

/** Ledgers, contacts and open invoices in bulk, in SQL (the mirror's shape, not the sync path). */
async function seed(db: Database['db'], firmId: string, offset: number, invoices: number, dueDate: (n: string) => string) {
  const contacts = Math.ceil(invoices / PER_CONTACT);
  await db.execute(sql`
    insert into contact (firm_id, ledger_id, external_id, provider_updated_at, name, email, timezone, status)
    select ${firmId}, l.id, 'c' || g, now(), 'Customer ' || g, 'ap' || g || '@example.com', null, 'active'
    from generate_series(${offset / PER_CONTACT + 1}::int, ${offset / PER_CONTACT + contacts}::int) g
    join (select id, row_number() over (order by external_id) - 1 as n from ledger where firm_id = ${firmId}) l on l.n = g % ${LEDGERS}`);
  await db.execute(sql.raw(`
    insert into invoice (firm_id, ledger_id, contact_id, contact_external_id, external_id, number, provider_updated_at, status, currency, issue_date, due_date, total, amount_due, sent_to_contact)
    select c.firm_id, c.ledger_id, c.id, c.external_id, 'i' || g, 'INV-' || g, now(), 'open', 'NZD', date '2026-10-01', ${dueDate('g')}, 115, 115, true
    from generate_series(${offset + 1}, ${offset + invoices}) g
    join contact c on c.external_id = 'c' || ((g - 1) / ${PER_CONTACT} + 1) and c.firm_id = '${firmId}'`));
}

export async function reminderBench() {
  const { database, drop, note } = await benchDatabase();
  const rows: Record<string, string | number>[] = [];
  try {
    await runMigrations(database);
    const db = database.db;
    const [f] = await queryRows<{ id: string }>(db, sql`insert into firm (name) values ('Bench') returning id`);
    await db.execute(sql`
      insert into ledger (firm_id, provider, external_id, name, base_currency, timezone, country, safe_mode)
      select ${f!.id}, 'xero', 'tenant-' || lpad(g::text, 5, '0'), 'Ledger ' || g, 'NZD', 'Pacific/Auckland', 'NZ', false
      from generate_series(1, ${LEDGERS}) g`);
    const clock = fixedClock('2026-11-17T00:00:00Z'); // Tue 13:00 in Auckland
    // 100,000 invoices (10,000 contacts' worth) with a step due today; the rest due months ahead.
    let t = performance.now();
    await seed(db, f!.id, 0, INVOICES, (g) => `case when ${g} <= ${DUE * PER_CONTACT} then date '2026-11-14' else date '2027-03-01' + (${g} % 60) end`);
    const seedSeconds = (performance.now() - t) / 1000;

    const contactIds = (await queryRows<{ id: string }>(db, sql`select id from contact where firm_id = ${f!.id} order by id`)).map((r) => r.id);
    t = performance.now();
    const planned = await replanContacts({ db, clock, logger: silentLogger }, contactIds);
    const planSeconds = (performance.now() - t) / 1000;
    rows.push({ phase: 'plan', invoices: INVOICES, ledgers: LEDGERS, contacts: contactIds.length, reminders: planned.reminders, seconds: +planSeconds.toFixed(1), 'invoices/s': Math.round(INVOICES / planSeconds), 'seed s': +seedSeconds.toFixed(1) });

    const connector = { provider: 'xero', fetchOne: async () => null, addInvoiceNote: async () => {} } as unknown as AccountingConnector;
    const deps = { db, clock, logger: silentLogger, resolve: async () => connector, mailer: captureMailer, publicUrl: 'https://overdue.example.com', mailFrom: 'r@example.com' };
    const runTick = async (label: string, total: number) => {
      const due = (await queryRows<{ n: number }>(db, sql`select count(*)::int as n from reminder where status = 'scheduled' and due_at <= ${clock.now().toISOString()}`))[0]!.n;
      const start = performance.now();
      let sent = 0;
      let claimed = 0;
      for (;;) {
        const r = await tick(deps, { limit: 500 });
        if (r.claimed === 0) break;
        claimed += r.claimed;
        sent += r.sent ?? 0;
      }
      const seconds = (performance.now() - start) / 1000;
      rows.push({ phase: label, invoices: total, 'due reminders': due, claimed, sent, seconds: +seconds.toFixed(1), 'reminders/s': Math.round(claimed / seconds) });
    };
    await runTick('tick', INVOICES);

    // As many invoices again, planned, none due now; then, a week on, 10,000 more contacts of the
    // same shape (10 invoices with a step due) as the first tick had: only the total has grown.
    await seed(db, f!.id, INVOICES, INVOICES, (g) => `date '2027-03-01' + (${g} % 60)`);
    clock.advance(7 * 86_400_000);
    await seed(db, f!.id, 2 * INVOICES, DUE * PER_CONTACT, () => `date '2026-11-21'`);
    const fresh = (await queryRows<{ id: string }>(db, sql`select c.id from contact c where c.firm_id = ${f!.id} and not exists (select 1 from reminder r where r.contact_id = c.id) order by c.id`)).map((r) => r.id);
    await replanContacts({ db, clock, logger: silentLogger }, fresh);
    await runTick('tick after doubling the invoices', INVOICES * 2 + DUE * PER_CONTACT);
  } finally {
    await drop();
  }
  return report('reminders', rows, { database: note });
}

if (import.meta.url === `file://${process.argv[1]}`) await reminderBench();
