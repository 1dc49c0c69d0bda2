import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountingConnector } from '../../connectors/types.ts';
import { connection, ledger, outboundDelivery, reminder } from '../../src/db/schema/index.ts';
import { createEndpoint } from '../../src/services/outbound/events.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import type { TestDeps } from '../support/deps.ts';
import { dueReminder, tickDepsOf } from '../support/due-reminder.ts';
import { expireAccessToken, systemCtx } from '../support/factories.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { INTUIT_REFRESH_GRACE_MS } from '../support/quickbooks/fake.ts';
import { connectXero } from '../support/xero/connected.ts';
import { XERO_REFRESH_GRACE_MS, XeroFake } from '../support/xero/fake.ts';

/**
 * Reliability checklist #18: the token endpoint rotates the grant and its answer is lost on the
 * way back, so overdue still holds the refresh token the provider has just spent. Inside the
 * provider's grace for a spent token (Xero 30 minutes, Intuit 24 hours) the next refresh with it
 * works; after it the grant is gone: the ledger needs reconnecting, no reminder is sent for it,
 * and the firm is told (the reason on the ledger, an email to its owners, an event to its systems).
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

type World = {
  deps: TestDeps;
  ledgerId: string;
  connectionId: string;
  firmId: string;
  graceMs: number;
  /** Moves the provider's clock (not ours): how long after the lost answer overdue tries again. */
  later(ms: number): void;
  loseNextRefreshAnswer(): void;
  connector(): Promise<AccountingConnector>;
  call(c: AccountingConnector): Promise<unknown>;
};

async function xeroWorld(): Promise<World> {
  const fake = new XeroFake();
  server.use(...fake.handlers());
  const c = await connectXero(database, fake);
  fake.seedInvoices(c.tenant, 2, { start: new Date('2026-11-01T00:00:00Z') });
  const row = async () => (await database.db.select().from(ledger).where(eq(ledger.id, c.ledger.id)))[0]!;
  await syncLedger({ ctx: c.ctx, input: { ledgerId: c.ledger.id } }, await c.deps.integrations.resolve(await row()));
  const start = Date.now();
  return {
    deps: c.deps,
    ledgerId: c.ledger.id,
    connectionId: c.connection.id,
    firmId: c.firm.id,
    graceMs: XERO_REFRESH_GRACE_MS,
    later: (ms) => {
      fake.now = () => start + ms;
    },
    loseNextRefreshAnswer: () => fake.loseNextRefreshAnswer(),
    connector: async () => c.deps.integrations.resolve(await row()),
    call: (conn) => conn.fetchOne(c.tenant.tenantId, 'invoices', String(c.tenant.Invoices[0]!.InvoiceID)),
  };
}

async function quickBooksWorld(): Promise<World> {
  const q = await quickBooksSetup(database, server);
  expect((await q.connect()).status).toBe(302);
  q.fake.seedInvoices(q.realmId, 2);
  await q.sync();
  const l = await q.ledgerRow();
  const start = q.fake.now().getTime();
  return {
    deps: q.deps,
    ledgerId: l.id,
    connectionId: l.connectionId!,
    firmId: q.firm.id,
    graceMs: INTUIT_REFRESH_GRACE_MS,
    later: (ms) => {
      q.fake.now = () => new Date(start + ms);
    },
    loseNextRefreshAnswer: () => q.fake.loseNextRefreshAnswer(),
    connector: async () => q.deps.integrations.resolve(await q.ledgerRow()),
    call: (conn) => conn.fetchOne(q.realmId, 'invoices', '1'),
  };
}

const states = async (w: World) => {
  const [conn] = await database.db.select().from(connection).where(eq(connection.id, w.connectionId));
  const [l] = await database.db.select().from(ledger).where(eq(ledger.id, w.ledgerId));
  return { connection: conn!.status, ledger: l!.status, reason: l!.statusReason };
};
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err,
  );

describe.each([
  ['Xero', xeroWorld],
  ['QuickBooks', quickBooksWorld],
] as const)('%s: a refresh whose answer was lost (reliability #18)', (_provider, world) => {
  it('is retried with the spent token inside the grace window, and the connection carries on', async () => {
    const w = await world();
    const c = await w.connector();
    await expireAccessToken(database.db, w.connectionId);
    w.loseNextRefreshAnswer();
    expect(await failure(w.call(c))).toMatchObject({ code: 'network', retryable: true });
    expect(await states(w)).toMatchObject({ connection: 'active', ledger: 'active' });

    w.later(w.graceMs - 60_000);
    await expect(w.call(c)).resolves.toBeTruthy();
    // What was stored is the pair issued for the retry: the next refresh works with it.
    await expireAccessToken(database.db, w.connectionId);
    await expect(w.call(c)).resolves.toBeTruthy();
    expect(await states(w)).toMatchObject({ connection: 'active', ledger: 'active', reason: null });
    expect(w.deps.mailer.sent).toHaveLength(0);
  });

  it('after the grace window: needs reconnecting, nothing sent, the firm told once', async () => {
    const w = await world();
    const ctx = systemCtx(database.db, w.firmId, w.deps.clock);
    await createEndpoint(
      { ctx, input: { url: 'https://receiver.example/hooks', events: ['ledger.needs_reconnect'] } },
      w.deps.cipher,
    );
    const [l] = await database.db.select().from(ledger).where(eq(ledger.id, w.ledgerId));
    const due = await dueReminder(database, w.deps, l!);
    const readers = [await w.connector(), await w.connector()];
    await expireAccessToken(database.db, w.connectionId);
    w.loseNextRefreshAnswer();
    expect(await failure(w.call(readers[0]!))).toMatchObject({ code: 'network', retryable: true });

    w.later(w.graceMs + 60_000);
    // Two callers at once find the grant gone; the firm hears of it once.
    const errors = await Promise.all(readers.map((r) => failure(w.call(r))));
    for (const err of errors) expect(err).toMatchObject({ code: 'invalid_grant' });
    expect(await states(w)).toMatchObject({
      connection: 'needs_reconnect',
      ledger: 'needs_reconnect',
      reason: expect.stringMatching(/reconnect it to resume reminders/),
    });
    const notices = w.deps.mailer.sent.filter((m) => /needs reconnecting/.test(m.subject));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.text).toContain(`/ledgers/${w.ledgerId}`);
    const events = await database.db.select().from(outboundDelivery).where(eq(outboundDelivery.firmId, w.firmId));
    expect(events.map((e) => e.type)).toEqual(['ledger.needs_reconnect']);
    expect(events[0]!.payload).toMatchObject({ data: { ledgerId: w.ledgerId } });

    // The reminder that was due stays unsent until the ledger is reconnected.
    await tick(tickDepsOf(database, w.deps));
    const [r] = await database.db.select().from(reminder).where(eq(reminder.id, due.reminder.id));
    expect(r!.status).toBe('scheduled');
    expect(w.deps.mailer.sent.filter((m) => !/needs reconnecting/.test(m.subject))).toHaveLength(0);
  });
});
