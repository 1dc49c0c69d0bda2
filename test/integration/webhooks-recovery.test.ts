import { and, eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoice, ledger, reminder, reminderItem } from '../../src/db/schema/index.ts';
import { mirrorHandlers, reconcileAll } from '../../src/services/background.ts';
import type { MirrorChange } from '../../src/services/mirror-changes.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import type { fixedClock } from '../../src/lib/clock.ts';
import { tickDepsOf } from '../support/due-reminder.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { recordingQueue } from '../support/deps.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { XeroFake } from '../support/xero/fake.ts';
import { connectXero } from '../support/xero/connected.ts';
import { msDate, templates } from '../support/xero/fixtures.ts';

/** Reliability #11: every webhook of a 6-hour window is lost; reconciliation restores the ledger. */
const server = useMsw();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const HOUR = 3_600_000;
/** Invoices (external ids) that pending reminders of the ledger still chase. */
const pendingItems = async (ledgerId: string) =>
  (
    await database.db
      .select({ externalId: invoice.externalId })
      .from(reminderItem)
      .innerJoin(reminder, eq(reminder.id, reminderItem.reminderId))
      .innerJoin(invoice, eq(invoice.id, reminderItem.invoiceId))
      .where(and(eq(reminder.ledgerId, ledgerId), inArray(reminder.status, ['scheduled', 'awaiting_approval'])))
  ).map((r) => r.externalId);
const mirrored = (ledgerId: string) =>
  database.db
    .select({ externalId: invoice.externalId, status: invoice.status, amountDue: invoice.amountDue })
    .from(invoice)
    .where(eq(invoice.ledgerId, ledgerId))
    .then((rows) => new Map(rows.map((r) => [r.externalId, r])));

describe('a 6-hour webhook blackout', () => {
  it('Xero: the If-Modified-Since reconciliation recovers every paid, voided and new invoice', async () => {
    const fake = new XeroFake();
    server.use(...fake.handlers());
    const c = await connectXero(database, fake);
    const start = new Date('2026-11-20T00:00:00Z');
    fake.seedInvoices(c.tenant, 40, { start: new Date('2026-11-01T00:00:00Z') });
    // Overdue invoices of a customer who can be emailed: the initial sync plans their reminders.
    const payer = String((c.tenant.Invoices[0]!.Contact as { ContactID: string }).ContactID);
    c.tenant.Contacts.push({
      ...templates().contact,
      ContactID: payer,
      EmailAddress: 'accounts@payer.example',
      UpdatedDateUTC: msDate(new Date('2026-11-01T00:00:00Z')),
    });
    for (const inv of c.tenant.Invoices)
      Object.assign(inv, { DueDate: msDate(new Date('2026-11-12T00:00:00Z')), DueDateString: '2026-11-12T00:00:00' });
    // Sending without approval, so the tick below would send whatever is still planned.
    await database.db.update(ledger).set({ safeMode: false }).where(eq(ledger.id, c.ledger.id));
    const handlers = mirrorHandlers({ db: database.db, clock: c.deps.clock, logger: c.deps.logger });
    await syncLedger(
      { ctx: c.ctx, input: { ledgerId: c.ledger.id } },
      await c.deps.integrations.resolve(c.ledger),
      handlers,
    );
    expect(await pendingItems(c.ledger.id)).toHaveLength(40);

    // The blackout: changes spread over 6 hours, none of them announced.
    const paid: string[] = [];
    for (let i = 0; i < 10; i++) {
      const inv = c.tenant.Invoices[i * 3]!;
      Object.assign(inv, {
        Status: 'PAID',
        AmountPaid: inv.Total,
        AmountDue: 0,
        UpdatedDateUTC: msDate(new Date(start.getTime() + (i * 6 * HOUR) / 10)),
      });
      paid.push(String(inv.InvoiceID));
    }
    const voided = c.tenant.Invoices[1]!;
    Object.assign(voided, { Status: 'VOIDED', UpdatedDateUTC: msDate(new Date(start.getTime() + 5.5 * HOUR)) });
    fake.seedInvoices(c.tenant, 5, { start: new Date(start.getTime() + 2 * HOUR), stepMs: 30 * 60_000 });

    const jobs = recordingQueue();
    expect(await reconcileAll(database.db, jobs, new Date())).toBeGreaterThanOrEqual(1);
    expect(jobs.synced).toContain(c.ledger.id);
    const changes: MirrorChange[] = [];
    await syncLedger(
      { ctx: c.ctx, input: { ledgerId: c.ledger.id } },
      await c.deps.integrations.resolve(c.ledger),
      async (ch) => {
        changes.push(ch);
        await handlers(ch);
      },
    );

    const rows = await mirrored(c.ledger.id);
    expect(rows.size).toBe(45);
    for (const id of paid) expect(rows.get(id)).toMatchObject({ status: 'paid', amountDue: '0.0000' });
    expect(rows.get(String(voided.InvoiceID))).toMatchObject({ status: 'voided', amountDue: '0.0000' });
    // The whole ledger now equals Xero's.
    for (const inv of c.tenant.Invoices) {
      const want = { AUTHORISED: 'open', PAID: 'paid', VOIDED: 'voided' }[String(inv.Status)];
      expect(rows.get(String(inv.InvoiceID))?.status).toBe(want);
    }
    // And the recovered changes reach reminder planning and risk scoring like webhook ones.
    const reported = new Set(changes.filter((x) => x.source === 'sync').flatMap((x) => x.invoiceIds));
    const ids = await database.db
      .select({ id: invoice.id, externalId: invoice.externalId })
      .from(invoice)
      .where(eq(invoice.ledgerId, c.ledger.id));
    for (const id of [...paid, String(voided.InvoiceID)])
      expect(reported.has(ids.find((r) => r.externalId === id)!.id)).toBe(true);

    // Checklist #11's last clause: what was paid or voided in the gap is no longer chased, and the
    // next reminder goes out for the rest only.
    const closed = new Set([...paid, String(voided.InvoiceID)]);
    const chased = await pendingItems(c.ledger.id);
    expect(chased.filter((id) => closed.has(id))).toEqual([]);
    expect(chased).toHaveLength(45 - closed.size);
    const numberOf = new Map(c.tenant.Invoices.map((i) => [String(i.InvoiceID), String(i.InvoiceNumber)]));
    const clock = c.deps.clock as ReturnType<typeof fixedClock>;
    clock.set('2026-11-22T19:01:00Z');
    expect(await tick(tickDepsOf(database, c.deps))).toMatchObject({ claimed: 1, sent: 1 });
    const mail = c.deps.mailer.sent.map((m) => m.text).join('\n');
    for (const id of chased) expect(mail).toContain(numberOf.get(id));
    for (const id of closed) expect(mail).not.toContain(numberOf.get(id));
  });

  it('QuickBooks: Change Data Capture since the last run recovers paid and deleted invoices', async () => {
    const q = await quickBooksSetup(database, server, '9130350000000201');
    await q.connect();
    q.fake.seedInvoices(q.realmId, 30);
    q.fake.now = () => new Date('2026-11-20T00:00:00Z');
    await q.sync();
    const realm = q.fake.realms.get(q.realmId)!;
    const paid = [0, 4, 9, 17, 25].map((i, n) => {
      Object.assign(realm.Invoice[i]!, {
        Balance: 0,
        MetaData: { LastUpdatedTime: new Date(Date.parse('2026-11-20T00:30:00Z') + n * HOUR).toISOString() },
      });
      return String(realm.Invoice[i]!.Id);
    });
    const gone = realm.Invoice.splice(29, 1)[0]!;
    realm.deleted.push({
      _entity: 'Invoice',
      Id: gone.Id,
      status: 'Deleted',
      domain: 'QBO',
      MetaData: { LastUpdatedTime: '2026-11-20T05:45:00Z' },
    });
    q.fake.now = () => new Date('2026-11-20T06:00:00Z');
    const cdcBefore = q.fake.cdcCalls.length;
    await q.sync();
    expect(q.fake.cdcCalls.length).toBeGreaterThan(cdcBefore);
    const rows = await mirrored((await q.ledgerRow()).id);
    for (const id of paid) expect(rows.get(id)).toMatchObject({ status: 'paid', amountDue: '0.0000' });
    expect(rows.get(String(gone.Id))).toMatchObject({ status: 'deleted', amountDue: '0.0000' });
    const open = [...rows.values()].filter((r) => r.status === 'open');
    expect(open).toHaveLength(30 - paid.length - 1);
  });
});
