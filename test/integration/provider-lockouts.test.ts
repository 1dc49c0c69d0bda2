import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorError } from '../../connectors/types.ts';
import { ledger, reminder, webhookEvent } from '../../src/db/schema/index.ts';
import { reconcileAll } from '../../src/services/background.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { recordingQueue } from '../support/deps.ts';
import { dueReminder, tickDepsOf } from '../support/due-reminder.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { deliver, webhookOnlyEnv, xeroBatch } from '../support/webhooks/deliver.ts';
import { inboxDepsFor } from '../support/webhooks/inbox.ts';
import { connectXero } from '../support/xero/connected.ts';
import { XeroFake } from '../support/xero/fake.ts';

/**
 * The provider shuts overdue out of a ledger: for good (the organisation's admin disconnected the
 * app: Xero 403 AuthorizationUnsuccessful, QuickBooks 403 / fault 3100), or for the day (Xero's
 * daily limit: a 429 with `X-Rate-Limit-Problem: day` and hours of Retry-After). Issue 28,
 * "Disconnected from the provider side" and "Daily limits"; reliability tests 13 and 14.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function xeroLedger() {
  const fake = new XeroFake();
  server.use(...fake.handlers());
  const c = await connectXero(database, fake, webhookOnlyEnv);
  fake.seedInvoices(c.tenant, 2, { start: new Date('2026-11-01T00:00:00Z') });
  const row = async () => (await database.db.select().from(ledger).where(eq(ledger.id, c.ledger.id)))[0]!;
  const sync = async () =>
    syncLedger({ ctx: c.ctx, input: { ledgerId: c.ledger.id } }, await c.deps.integrations.resolve(await row()));
  await sync();
  const due = await dueReminder(database, c.deps, c.ledger);
  const tickDeps = tickDepsOf(database, c.deps);
  const reminderRow = async () =>
    (await database.db.select().from(reminder).where(eq(reminder.id, due.reminder.id)))[0]!;
  return { ...c, fake, row, sync, tickDeps, reminderRow, invoice: due.invoice };
}

const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err as ConnectorError,
  );

describe('a ledger disconnected from the provider side', () => {
  it('Xero 403: the ledger is disconnected with the reason, its reminders stop, the owners are emailed once', async () => {
    const c = await xeroLedger();
    // Two readers resolved while the ledger was still active, as concurrent jobs would be.
    const first = await c.deps.integrations.resolve(await c.row());
    const second = await c.deps.integrations.resolve(await c.row());
    c.fake.disconnectTenant(c.tenant.tenantId);
    const errors = await Promise.all([
      failure(first.fetchOne(c.tenant.tenantId, 'invoices', c.invoice.externalId)),
      failure(second.fetchOne(c.tenant.tenantId, 'invoices', c.invoice.externalId)),
    ]);
    for (const err of errors) expect(err).toMatchObject({ code: 'disconnected', retryable: false });
    expect(await c.row()).toMatchObject({ status: 'disconnected' });
    expect((await c.row()).statusReason).toMatch(/Xero no longer lets overdue reach .*AuthorizationUnsuccessful/);
    const notices = c.deps.mailer.sent.filter((m) => /disconnected/.test(m.subject));
    expect(notices).toHaveLength(1);
    expect(notices[0]!.to).toHaveLength(1);
    expect(notices[0]!.text).toContain('/ledgers/');
    // The tick leaves its reminders alone: nothing about them can be checked against the ledger.
    expect(await tick(c.tickDeps)).toMatchObject({ claimed: 0 });
    expect((await c.reminderRow()).status).toBe('scheduled');
    expect(c.deps.mailer.sent.filter((m) => !/disconnected/.test(m.subject))).toHaveLength(0);
    // Reconciliation no longer queues it; the ledger list says why and what to do.
    const jobs = recordingQueue();
    await reconcileAll(database.db, jobs, c.deps.clock.now());
    expect(jobs.synced).not.toContain(c.ledger.id);
    const listed = await c.app.request('/api/v1/ledgers', { headers: { cookie: c.user.cookie } });
    const body = (await listed.json()) as { ledgers: { status: string; statusReason: string }[] };
    expect(body.ledgers[0]).toMatchObject({ status: 'disconnected', statusReason: expect.stringMatching(/reconnect/) });
  });

  it('QuickBooks 403 / fault 3100: the same', async () => {
    const q = await quickBooksSetup(database, server);
    expect((await q.connect()).status).toBe(302);
    await q.sync();
    q.fake.disconnected.add(q.realmId);
    expect(await failure(q.sync())).toMatchObject({ code: 'disconnected', providerCode: '3100' });
    expect(await q.ledgerRow()).toMatchObject({ status: 'disconnected' });
    expect((await q.ledgerRow()).statusReason).toMatch(/QuickBooks no longer lets overdue reach .*3100/);
    expect(q.deps.mailer.sent.filter((m) => /disconnected/.test(m.subject))).toHaveLength(1);
  });

  it('reconnecting makes the ledger active again, the reason cleared', async () => {
    const q = await quickBooksSetup(database, server);
    expect((await q.connect()).status).toBe(302);
    q.fake.disconnected.add(q.realmId);
    await failure(q.sync());
    q.fake.disconnected.delete(q.realmId);
    expect((await q.connect()).status).toBe(302);
    expect(await q.ledgerRow()).toMatchObject({ status: 'active', statusReason: null });
    await expect(q.sync()).resolves.toBeDefined();
  });
});

describe("Xero's daily limit", () => {
  const DAY_429 = { headers: { 'Retry-After': '43200', 'X-Rate-Limit-Problem': 'day' } };

  it('is not slept out: the call fails at once, the ledger is parked until the reset, other processes see it', async () => {
    const c = await xeroLedger();
    const before = c.limiterClock.now();
    const invoiceReads = () => c.fake.requests.filter((r) => r.path.startsWith('/Invoices')).length;
    const reads = invoiceReads();
    c.fake.fail(/\/Invoices/, 429, { ...DAY_429, times: 10 });
    const err = await failure(c.sync());
    expect(err).toMatchObject({ code: 'rate_limited', providerCode: 'daily', retryAfterMs: 43_200_000 });
    // One refused call, no waiting: before, the call slept twelve hours (virtual) and tried again.
    expect(invoiceReads() - reads).toBe(1);
    const calls = c.fake.apiCalls;
    expect(c.limiterClock.now() - before).toBeLessThan(120_000);
    const parked = await c.row();
    expect(parked.pausedUntil!.getTime()).toBe(c.deps.clock.now().getTime() + 43_200_000);
    // Another process (its own limiter, knowing nothing) is refused by the stored park, without a call.
    const other = c.otherProcess();
    const elsewhere = await other.resolve(parked);
    expect(await failure(elsewhere.fetchOne(c.tenant.tenantId, 'invoices', c.invoice.externalId))).toMatchObject({
      code: 'rate_limited',
      providerCode: 'daily',
    });
    expect(c.fake.apiCalls).toBe(calls);
    // Shown on the ledger list with when it resumes.
    const listed = await c.app.request('/api/v1/ledgers', { headers: { cookie: c.user.cookie } });
    const body = (await listed.json()) as { ledgers: { pausedUntil: string; pauseReason: string }[] };
    expect(body.ledgers[0]!.pausedUntil).toBe(parked.pausedUntil!.toISOString());
    expect(body.ledgers[0]!.pauseReason).toMatch(/daily call limit/);
  });

  it('while parked: reminders wait, reconciliation skips the ledger, webhook events wait without spending attempts', async () => {
    const c = await xeroLedger();
    c.fake.fail(/\/Invoices/, 429, { ...DAY_429, times: 10 });
    await failure(c.sync());
    expect(await tick(c.tickDeps)).toMatchObject({ claimed: 0 });
    expect((await c.reminderRow()).status).toBe('scheduled');
    const jobs = recordingQueue();
    await reconcileAll(database.db, jobs, c.deps.clock.now());
    expect(jobs.synced).not.toContain(c.ledger.id);

    const batch = xeroBatch([
      { tenantId: c.tenant.tenantId, resourceId: c.invoice.externalId, at: '2026-11-20T10:00:00.000' },
    ]);
    expect((await deliver(c.app, 'xero', batch)).status).toBe(200);
    const calls = c.fake.apiCalls;
    const run = await processInbox(inboxDepsFor(c.deps).inbox, { provider: 'xero', accountRef: c.tenant.tenantId });
    expect(run).toMatchObject({ processed: 0, failed: 0, dead: 0 });
    expect(c.fake.apiCalls).toBe(calls);
    const [event] = await database.db.select().from(webhookEvent);
    expect(event).toMatchObject({ status: 'received', attempts: 0 });
    expect(event!.nextAttemptAt.getTime()).toBe((await c.row()).pausedUntil!.getTime());
  });
});
