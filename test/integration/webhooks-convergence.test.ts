import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AccountingConnector, Invoice } from '../../connectors/types.ts';
import { invoice, ledger } from '../../src/db/schema/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { mirrorHandlers } from '../../src/services/background.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import type { Mailer } from '../../src/notify/mailer.ts';
import { storeDelivery } from '../../webhooks/inbox.ts';
import { parseXeroDelivery } from '../../connectors/xero/webhook.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeContact, makeFirm, makeLedger } from '../support/factories.ts';
import { xeroBatch } from '../support/webhooks/deliver.ts';

/**
 * Reliability #10: whatever order and however often the provider's events arrive, interleaved
 * with processing and with reminder ticks, the mirror ends equal to the ledger, and no email names
 * an invoice the ledger says is paid or voided when it is sent.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

type Op = 'update' | 'part' | 'pay' | 'void' | 'reopen';

const command = fc.oneof(
  fc.record({
    kind: fc.constant('change' as const),
    inv: fc.integer({ min: 0, max: 1 }),
    op: fc.constantFrom<Op>('update', 'part', 'pay', 'void', 'reopen'),
  }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('drain' as const) }),
  // The reminder tick, some hours on: whatever it sends is checked against the ledger right then.
  fc.record({ kind: fc.constant('tick' as const), hours: fc.integer({ min: 1, max: 72 }) }),
);

/** A provider holding two invoices, changed by the commands; reads always return the current state. */
function provider(clock: ReturnType<typeof fixedClock>) {
  const base = (n: number): Invoice => ({
    externalId: `inv-${n}`,
    contactExternalId: 'c-1',
    number: `INV-${n}`,
    status: 'open',
    currency: 'NZD',
    issueDate: '2026-11-01',
    dueDate: '2026-11-15',
    total: '100.00',
    amountDue: '100.00',
    amountPaid: '0.00',
    amountCredited: '0.00',
    sentToContact: true,
    updatedAt: clock.now(),
  });
  const invoices = [base(0), base(1)];
  const customer = {
    externalId: 'c-1',
    name: 'Harbour Dental Ltd',
    email: 'accounts@harbour.example',
    people: [],
    addresses: [],
    status: 'active' as const,
    updatedAt: clock.now(),
  };
  const connector: AccountingConnector = {
    provider: 'xero',
    listLedgers: async () => [],
    page: async () => ({ items: [] }),
    fetchOne: async (_l, resource, id) =>
      (resource === 'invoices'
        ? (structuredClone(invoices.find((i) => i.externalId === id)) ?? null)
        : resource === 'contacts' && id === customer.externalId
          ? structuredClone(customer)
          : null) as never,
    onlineInvoiceUrl: async () => null,
    addInvoiceNote: async () => {},
  };
  const apply = (n: number, op: Op) => {
    clock.advance(60_000);
    const i = invoices[n]!;
    const total = Number(i.total);
    const next: Partial<Invoice> =
      op === 'update'
        ? { total: String(total + 10), amountDue: i.status === 'open' ? String(Number(i.amountDue) + 10) : i.amountDue }
        : op === 'part'
          ? i.status === 'open'
            ? {
                amountDue: String(Math.max(0, Number(i.amountDue) - 25)),
                status: Number(i.amountDue) <= 25 ? 'paid' : 'open',
              }
            : {}
          : op === 'pay'
            ? i.status === 'open'
              ? { status: 'paid', amountDue: '0', amountPaid: i.total }
              : {}
            : op === 'void'
              ? i.status === 'open'
                ? { status: 'voided', amountDue: '0' }
                : {}
              : i.status === 'paid'
                ? { status: 'open', amountDue: i.total, amountPaid: '0' } // payment removed in the ledger
                : {};
    Object.assign(i, next, { updatedAt: clock.now() });
  };
  return { invoices, connector, apply };
}

it('converges to the ledger for any order, duplication and interleaving of events, and never emails what the ledger says is paid or voided (reliability #10)', async () => {
  const firm = await makeFirm(database.db);
  let ticksThatSent = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(command, { minLength: 1, maxLength: 30 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      // Whether the ledger is mirrored before anything else happens: then the ticks have reminders
      // to send, so a good share of runs exercise the send-time check below.
      fc.boolean(),
      async (commands, finalOrder, mirroredFirst) => {
        const clock = fixedClock('2026-11-22T21:00:00Z'); // 10:00 on a Monday in Auckland
        const tenantId = randomUUID();
        const l = await makeLedger(database.db, firm.id, {
          provider: 'xero',
          externalId: tenantId,
          settings: {},
          timezone: 'Pacific/Auckland',
          country: 'NZ',
          baseCurrency: 'NZD',
          safeMode: false,
        });
        await makeContact(database.db, l, { externalId: 'c-1', email: 'accounts@harbour.example' });
        const p = provider(clock);
        const deps = {
          db: database.db,
          clock,
          logger: silentLogger,
          resolve: async () => p.connector,
          // As in production: each change rescored and replanned.
          onChange: mirrorHandlers({ db: database.db, clock, logger: silentLogger }),
        };
        // Every email, with what the ledger said of each invoice it names when it was sent.
        const wrongly: string[] = [];
        let sent = 0;
        const mailer: Mailer = {
          kind: 'capture',
          send: async (m) => {
            for (const i of p.invoices)
              if (m.text.includes(i.number!) && i.status !== 'open')
                wrongly.push(`${i.number} emailed while ${i.status}`);
            sent++;
            return { status: 'captured', providerMessageId: null };
          },
        };
        const tickDeps = {
          db: database.db,
          clock,
          logger: silentLogger,
          // Earlier runs' ledgers are disconnected below: this run's tick reads only its own.
          resolve: async (row: { id: string }) => {
            if (row.id !== l.id) throw new Error('another run’s ledger');
            return p.connector;
          },
          mailer,
          publicUrl: 'https://overdue.example.com',
          mailFrom: 'reminders@overdue.example.com',
        };
        const key = { provider: 'xero' as const, accountRef: tenantId };
        // The initial state is mirrored through events too.
        const events: { inv: number; at: string }[] = [0, 1].map((inv) => ({
          inv,
          at: clock.now().toISOString().slice(0, 23),
        }));
        const delivered = new Set<number>();
        const deliverOne = async (k: number) => {
          const e = events[k]!;
          const body = xeroBatch([{ tenantId, resourceId: `inv-${e.inv}`, at: e.at }]);
          const parsed = parseXeroDelivery(new TextEncoder().encode(body));
          if (parsed.kind !== 'events') throw new Error(parsed.reason);
          await storeDelivery(database, {
            provider: 'xero',
            body: new TextEncoder().encode(body),
            headers: {},
            events: parsed.events,
            now: clock.now(),
          });
          delivered.add(k);
        };
        if (mirroredFirst) {
          await deliverOne(0);
          await deliverOne(1);
          await processInbox(deps, key);
        }
        for (const c of commands) {
          if (c.kind === 'change') {
            p.apply(c.inv, c.op);
            events.push({ inv: c.inv, at: clock.now().toISOString().slice(0, 23) });
          } else if (c.kind === 'deliver') await deliverOne(c.pick % events.length);
          else if (c.kind === 'tick') {
            clock.advance(c.hours * 3_600_000);
            await tick(tickDeps);
          } else await processInbox(deps, key);
        }
        // And one tick while the ledger may be ahead of the mirror, before the rest arrives.
        clock.advance(3_600_000);
        await tick(tickDeps);
        // Every event arrives at least once in the end, in an arbitrary order, then the inbox drains.
        const missing = events.map((_, k) => k).filter((k) => !delivered.has(k));
        for (const pick of finalOrder)
          if (missing.length) await deliverOne(missing.splice(pick % missing.length, 1)[0]!);
        for (const k of missing) await deliverOne(k);
        while ((await processInbox(deps, key)).processed > 0);

        // Its reminders stay behind: the next run's ticks must not send them.
        await database.db.update(ledger).set({ status: 'disconnected' }).where(eq(ledger.id, l.id));
        expect(wrongly).toEqual([]);
        ticksThatSent += sent > 0 ? 1 : 0;
        const rows = await database.db.select().from(invoice).where(eq(invoice.ledgerId, l.id));
        for (const want of p.invoices) {
          const got = rows.find((r) => r.externalId === want.externalId)!;
          expect({ status: got.status, amountDue: Number(got.amountDue), total: Number(got.total) }).toEqual({
            status: want.status,
            amountDue: Number(want.amountDue),
            total: Number(want.total),
          });
        }
      },
    ),
    { numRuns: 150 },
  );
  // The check above bites only if reminders go out: in a good share of runs, they do.
  expect(ticksThatSent).toBeGreaterThan(15);
}, 180_000);
