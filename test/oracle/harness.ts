import { and, eq, inArray } from 'drizzle-orm';
import type { SetupServer } from 'msw/node';
import { ledger, message, reminder } from '../../src/db/schema/index.ts';
import { captureMailer } from '../../src/notify/mailer.ts';
import { mirrorHandlers } from '../../src/services/background.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { approveReminders } from '../../src/services/reminders/manage.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { syncLedger } from '../../src/services/sync.ts';
import type { TestDatabase } from '../support/db.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { QuickBooksFake } from '../support/quickbooks/fake.ts';
import { deliver, qboLegacy, webhookEnv, xeroBatch } from '../support/webhooks/deliver.ts';
import { connectXero } from '../support/xero/connected.ts';
import { XeroFake } from '../support/xero/fake.ts';
import { Book, type Change } from './book.ts';
import { checkMessage, type Sent } from './checks.ts';
import { applyOp, type Op } from './ops.ts';
import { quickBooksEvents, renderQuickBooks } from './quickbooks-world.ts';
import { renderXero, xeroEvents } from './xero-world.ts';

export type Provider = 'xero' | 'quickbooks';
export type Run = { ops: Op[]; seed: number; safeMode: boolean };
type FixedClock = { now(): Date; set(d: Date | string): void; advance(ms: number): void };

/** Small deterministic PRNG (mulberry32): webhook faults replay exactly from the run's seed. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// One fake per provider for all runs of a file: each run gets its own organisation or company
// (a fresh fake would generate its RSA signing keys again, most of a run's cost).
let xeroFake: XeroFake | undefined;
let quickBooksFake: QuickBooksFake | undefined;

/** Sets up a connected ledger of the provider behind its fake, with the book rendered into it. */
async function world(database: TestDatabase, server: SetupServer, provider: Provider, start: Date) {
  if (provider === 'xero') {
    xeroFake ??= new XeroFake();
    const fake = xeroFake;
    server.resetHandlers(...fake.handlers());
    const { XERO_CLIENT_ID: _i, XERO_CLIENT_SECRET: _s, ...env } = webhookEnv;
    const c = await connectXero(database, fake, env);
    const book = new Book(
      () => (c.deps.clock as FixedClock).now().getTime(),
      () => crypto.randomUUID(),
    );
    const render = () => renderXero(book, c.tenant);
    const announce = async (changes: Change[]) => {
      const events = changes.flatMap(xeroEvents);
      if (!events.length) return 200;
      const at = (c.deps.clock as FixedClock).now().toISOString().slice(0, 23);
      const batch = xeroBatch(
        events.map((e) => ({ tenantId: c.tenant.tenantId, resourceId: e.id, category: e.category, type: e.type, at })),
      );
      return (await deliver(c.app, 'xero', batch)).status;
    };
    const announces = (ch: Change) => xeroEvents(ch).length > 0;
    return {
      ...c,
      ledgerRow: c.ledger,
      book,
      render,
      announce,
      announces,
      key: { provider, accountRef: c.tenant.tenantId },
    };
  }
  const realmId = String(9_130_000_000_000_000 + Math.floor(Math.random() * 1e9));
  quickBooksFake ??= new QuickBooksFake();
  server.resetHandlers();
  const s = await quickBooksSetup(
    database,
    server,
    realmId,
    { QUICKBOOKS_WEBHOOK_VERIFIER: webhookEnv.QUICKBOOKS_WEBHOOK_VERIFIER },
    quickBooksFake,
  );
  const clock = s.deps.clock as FixedClock;
  clock.set(start);
  s.fake.now = () => clock.now();
  // A company in New York state: its zone is known, not guessed (a guess holds every reminder).
  s.fake.realms.get(realmId)!.region = 'NY';
  await s.connect();
  let n = 0;
  const book = new Book(
    () => clock.now().getTime(),
    () => String(100 + ++n),
  );
  const realm = s.fake.realms.get(realmId)!;
  const deletedAt = new Map<string, number>();
  const render = () => renderQuickBooks(book, realm, deletedAt);
  const announce = async (changes: Change[]) => {
    const entities = changes.flatMap(quickBooksEvents);
    if (!entities.length) return 200;
    const at = clock.now().toISOString();
    return (
      await deliver(
        s.app,
        'quickbooks',
        qboLegacy(
          realmId,
          entities.map((e) => ({ ...e, lastUpdated: at })),
        ),
      )
    ).status;
  };
  const announces = (ch: Change) => quickBooksEvents(ch).length > 0;
  return {
    ...s,
    ledgerRow: await s.ledgerRow(),
    book,
    render,
    announce,
    announces,
    key: { provider, accountRef: realmId },
  };
}

/**
 * One run: a ledger with three customers and a supplier, backfilled; then the run's ops, with
 * webhooks dropped, duplicated and reordered, reconciliation and ticks over simulated weeks.
 * Every message sent is checked against the book at its send time. Returns the violations.
 */
export async function runOracle(database: TestDatabase, server: SetupServer, provider: Provider, run: Run) {
  const random = prng(run.seed);
  const start = new Date(provider === 'xero' ? '2026-11-02T21:00:00Z' : '2026-11-03T15:00:00Z'); // 10:00 local
  const w = await world(database, server, provider, start);
  const clock = w.deps.clock as FixedClock;
  clock.set(start);
  const { db } = database;
  const onChange = mirrorHandlers({ db, clock, logger: w.deps.logger });
  const resolve = w.deps.integrations.resolve;
  const tz = provider === 'xero' ? 'Pacific/Auckland' : 'America/New_York';
  const today = () => new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(clock.now());

  for (const [i, name] of ['Kowhai Cafe', 'Rata Builders', 'Tui Dental'].entries())
    w.book.customers.push(
      w.book.touch({
        id: w.book.nextId('customer'),
        name,
        email: `ap${i}@${name.split(' ')[0]!.toLowerCase()}.example`,
        active: true,
        supplier: false,
        updated: 0,
      }),
    );
  // The business's supplier (a Xero contact; a QuickBooks vendor, never a customer).
  w.book.customers.push(
    w.book.touch({
      id: w.book.nextId('customer'),
      name: 'Paper Supplies',
      email: 'sales@paper.example',
      active: true,
      supplier: true,
      updated: 0,
    }),
  );
  applyOp(w.book, { t: 'invoice', cust: 0, cents: 11_500, dueIn: -20, draft: false }, today(), provider);
  applyOp(w.book, { t: 'invoice', cust: 1, cents: 42_000, dueIn: 5, draft: false }, today(), provider);
  w.render();
  // A new connection starts in safe mode; half the runs switch it off, as most businesses do.
  await db.update(ledger).set({ safeMode: run.safeMode }).where(eq(ledger.id, w.ledgerRow.id));
  const sync = async () => {
    const l = (await db.select().from(ledger).where(eq(ledger.id, w.ledgerRow.id)))[0]!;
    await syncLedger({ ctx: { ...w.ctx, clock }, input: { ledgerId: l.id } }, await resolve(l), onChange);
  };
  await sync();

  let pending: Change[] = [];
  // Credit (credit notes, overpayments, QuickBooks payments left unapplied, and what a merge
  // moves) reaches the mirror by webhook or reconciliation only: the pre-send refresh reads the
  // customer and the invoices.
  const bearsCredit = (c: Change) =>
    c.entity === 'credit' || (provider === 'quickbooks' && c.entity === 'payment') || c.op === 'merge';
  let creditUnseen = false;
  const sent: Sent[] = [];
  const seen = new Set<string>();
  const violations: string[] = [];
  const deliverDeps = {
    db,
    clock,
    logger: w.deps.logger,
    resolve,
    mailer: captureMailer,
    publicUrl: 'https://overdue.example.com',
    mailFrom: 'reminders@overdue.example.com',
  };

  for (const [step, op] of run.ops.entries()) {
    clock.advance(60_000);
    if (op.t === 'webhooks') {
      // Lost, duplicated and out of order, as providers deliver them.
      const out = pending.flatMap((c) => (random() < 0.15 ? [] : random() < 0.15 ? [c, c] : [c]));
      // Lost, or never announced at all (Xero sends no event for an overpayment).
      for (const c of pending) if (bearsCredit(c) && (!out.includes(c) || !w.announces(c))) creditUnseen = true;
      out.sort(() => random() - 0.5);
      pending = [];
      if (out.length) {
        if ((await w.announce(out)) !== 200) violations.push(`step ${step}: webhook refused`);
        await processInbox({ db, clock, logger: w.deps.logger, resolve, onChange }, w.key);
      }
    } else if (op.t === 'reconcile') {
      await sync();
      creditUnseen = false;
    } else if (op.t === 'approve') {
      await approveReminders({ ctx: { ...w.ctx, clock }, input: { ledgerId: w.ledgerRow.id } });
    } else if (op.t === 'tick') {
      // The next 10:00 in the ledger's zone, `days` later: inside the send window (none of the
      // simulated weeks crosses a daylight-saving change in either zone).
      const day = 86_400_000;
      const next = start.getTime() + Math.ceil((clock.now().getTime() - start.getTime()) / day) * day;
      clock.set(new Date(next + op.days * day));
      // Reconciliation runs on a schedule; a credit whose webhook never came waits for it.
      if (creditUnseen || pending.some(bearsCredit)) {
        await sync();
        creditUnseen = false;
      }
      await tick(deliverDeps);
      const rows = await db
        .select()
        .from(message)
        .where(and(eq(message.ledgerId, w.ledgerRow.id), inArray(message.status, ['sent', 'captured'])));
      for (const m of rows.filter((r) => !seen.has(r.id))) {
        seen.add(m.id);
        const found = await checkMessage({ db, book: w.book, provider, message: m, today: today(), sent });
        violations.push(...found.map((v) => `step ${step} (${m.templateKey} to ${m.toAddresses.join(', ')}): ${v}`));
      }
    } else {
      const changes = applyOp(w.book, op, today(), provider);
      if (changes.length) {
        w.render();
        pending.push(...changes);
      }
    }
    if (violations.length) break;
  }
  // Nothing of this run may be sent by a later one's tick.
  await db
    .update(reminder)
    .set({ status: 'cancelled' })
    .where(
      and(
        eq(reminder.ledgerId, w.ledgerRow.id),
        inArray(reminder.status, ['scheduled', 'awaiting_approval', 'sending']),
      ),
    );
  return { violations, sent: sent.length };
}
