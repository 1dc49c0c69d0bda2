import { and, count, eq, inArray, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoConnector } from '../../connectors/demo/connector.ts';
import type { AccountingConnector, Invoice } from '../../connectors/types.ts';
import {
  contact,
  creditNote,
  invoice,
  payment,
  reminder,
  reminderItem,
  riskScore,
  syncCursor,
} from '../../src/db/schema/index.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { mirrorHandlers } from '../../src/services/background.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { queryRows } from '../../src/db/client.ts';
import { upsertRecords } from '../../src/services/mirror.ts';
import { syncLedger } from '../../src/services/sync.ts';
import type { MirrorChange } from '../../src/services/mirror-changes.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeFirm, makeLedger, systemCtx } from '../support/factories.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function setup() {
  const db = database.db;
  const f = await makeFirm(db);
  const l = await makeLedger(db, f.id);
  const clock = fixedClock('2026-11-20T12:00:00Z');
  const demo = new DemoConnector({ seed: 42, anchor: '2026-11-20', clock, pageSize: 150 });
  const ctx = systemCtx(db, f.id, clock);
  return { db, f, l, clock, demo, ctx };
}

const countRows = async (
  db: TestDatabase['db'],
  table: typeof invoice | typeof contact | typeof payment | typeof creditNote,
  ledgerId: string,
) => (await db.select({ n: count() }).from(table).where(eq(table.ledgerId, ledgerId)))[0]!.n;

describe('ledger sync', () => {
  it('backfills every resource, links invoices to contacts, records progress', async () => {
    const { db, l, demo, ctx } = await setup();
    const result = await syncLedger({ ctx, input: { ledgerId: l.id } }, demo);
    const ledgerState = await demo.page('demo-42', 'invoices', {});
    expect(result.invoices.pages).toBe(ledgerState.estimatedPages);
    expect(await countRows(db, contact, l.id)).toBe(40);
    expect(await countRows(db, invoice, l.id)).toBe(result.invoices.items);
    expect(await countRows(db, payment, l.id)).toBe(result.payments.items);
    expect(await countRows(db, creditNote, l.id)).toBe(result.credit_notes.items);
    const unlinked = await db
      .select({ n: count() })
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), isNull(invoice.contactId)));
    expect(unlinked[0]!.n).toBe(0);
    const cursors = await db.select().from(syncCursor).where(eq(syncCursor.ledgerId, l.id));
    expect(cursors).toHaveLength(4);
    for (const c of cursors) {
      expect(c.backfillStatus).toBe('done');
      expect(c.providerCursor).toBeNull();
      expect(c.modifiedSince).not.toBeNull();
    }
    // Amounts come back as exact decimal strings.
    const [one] = await db.select().from(invoice).where(eq(invoice.ledgerId, l.id)).limit(1);
    expect(typeof one!.total).toBe('string');
    expect(one!.total).toMatch(/^\d+\.\d{4}$/);
  });

  it('runs incrementally: nothing new, nothing changed; clock moves, only changes come', async () => {
    const { db, l, demo, ctx, clock } = await setup();
    await syncLedger({ ctx, input: { ledgerId: l.id } }, demo);
    const before = await countRows(db, invoice, l.id);
    const again = await syncLedger({ ctx, input: { ledgerId: l.id } }, demo);
    expect(again.invoices.items).toBeLessThan(before / 10);

    clock.set('2026-12-20T12:00:00Z');
    const later = await syncLedger({ ctx, input: { ledgerId: l.id } }, demo);
    expect(later.invoices.changed).toBeGreaterThan(0);
    expect(later.invoices.items).toBeLessThan(before / 2);
    const all = await countRows(db, invoice, l.id);
    const truth = [];
    let cursor: string | undefined;
    do {
      const p = await demo.page('demo-42', 'invoices', { cursor });
      truth.push(...p.items);
      cursor = p.nextCursor;
    } while (cursor);
    expect(all).toBe(truth.length);
    // Every mirrored invoice equals the ledger's state now.
    const rows = await db.select().from(invoice).where(eq(invoice.ledgerId, l.id));
    const byId = new Map(rows.map((r) => [r.externalId, r]));
    for (const t of truth) {
      expect(byId.get(t.externalId)?.status).toBe(t.status);
      expect(byId.get(t.externalId)?.amountDue).toBe(t.amountDue);
    }
  });

  it('never lets an older provider update overwrite a newer one', async () => {
    const { db, f, l } = await setup();
    const base: Invoice = {
      externalId: 'INV-OOO',
      contactExternalId: 'C-1',
      status: 'open',
      currency: 'GBP',
      issueDate: '2026-10-01',
      dueDate: '2026-10-31',
      total: '100.00',
      amountDue: '100.00',
      amountPaid: '0',
      amountCredited: '0',
      sentToContact: true,
      updatedAt: new Date('2026-10-01T10:00:00Z'),
    };
    const paid = {
      ...base,
      status: 'paid' as const,
      amountDue: '0',
      amountPaid: '100',
      updatedAt: new Date('2026-11-01T10:00:00Z'),
    };
    const target = { firmId: f.id, ledgerId: l.id };
    await upsertRecords(db, target, 'invoices', [paid]);
    const changed = await upsertRecords(db, target, 'invoices', [base]);
    expect(changed).toHaveLength(0);
    const [row] = await db
      .select()
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.externalId, 'INV-OOO')));
    expect(row!.status).toBe('paid');
    expect(row!.amountDue).toBe('0.0000');
    // Duplicates inside one batch keep the newest.
    await upsertRecords(db, target, 'invoices', [
      { ...paid, externalId: 'INV-DUP' },
      { ...base, externalId: 'INV-DUP' },
    ]);
    const [dup] = await db
      .select()
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.externalId, 'INV-DUP')));
    expect(dup!.status).toBe('paid');
  });

  it('resumes from the page it stopped on after a failure, with no duplicates or gaps', async () => {
    const { db, l, demo, ctx } = await setup();
    let calls = 0;
    const flaky: AccountingConnector = Object.assign(Object.create(demo) as AccountingConnector, {
      page: async (...args: Parameters<AccountingConnector['page']>) => {
        if (args[1] === 'invoices' && ++calls === 3) {
          throw Object.assign(new Error('provider timed out'), { code: 'timeout', retryable: true });
        }
        return demo.page(...args);
      },
    });
    await expect(syncLedger({ ctx, input: { ledgerId: l.id } }, flaky)).rejects.toThrow('provider timed out');
    const [cur] = await db
      .select()
      .from(syncCursor)
      .where(and(eq(syncCursor.ledgerId, l.id), eq(syncCursor.resource, 'invoices')));
    expect(cur!.providerCursor).toBe('300');
    expect(cur!.lastError).toContain('timed out');
    expect(cur!.backfillStatus).toBe('running');

    const resumed = await syncLedger({ ctx, input: { ledgerId: l.id } }, flaky);
    const total = (await demo.page('demo-42', 'invoices', {})).estimatedPages!;
    expect(resumed.invoices.pages).toBe(total - 2);
    const rows = await db.select({ id: invoice.externalId }).from(invoice).where(eq(invoice.ledgerId, l.id));
    expect(new Set(rows.map((r) => r.id)).size).toBe(rows.length);
    let all = 0;
    let cursor: string | undefined;
    do {
      const p = await demo.page('demo-42', 'invoices', { cursor });
      all += p.items.length;
      cursor = p.nextCursor;
    } while (cursor);
    expect(rows.length).toBe(all);
  });

  it("refuses another firm's ledger with not_found", async () => {
    const { l, demo, clock, db } = await setup();
    const other = await makeFirm(db);
    await expect(
      syncLedger({ ctx: systemCtx(db, other.id, clock), input: { ledgerId: l.id } }, demo),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

describe('what a sync changed is planned and scored once per run', () => {
  const recorder = () => {
    const reports: MirrorChange[] = [];
    return { reports, onChange: async (c: MirrorChange) => void reports.push(c) };
  };

  it('a multi-page backfill reports the whole ledger once, after the last page, with fresh planner statistics', async () => {
    const { db, l, demo, ctx } = await setup();
    const seenAtReport: number[] = [];
    const analysedBefore = await analyzeCount(db, 'invoice');
    const analysed: number[] = [];
    const r = recorder();
    const result = await syncLedger({ ctx, input: { ledgerId: l.id } }, demo, async (c) => {
      seenAtReport.push(await countRows(db, invoice, l.id));
      analysed.push(await analyzeCount(db, 'invoice'));
      await r.onChange(c);
    });
    expect(result.invoices.pages).toBeGreaterThan(1);
    // One whole-ledger change: the model is fitted and every contact scored and planned in one pass.
    expect(r.reports).toEqual([
      { firmId: l.firmId, ledgerId: l.id, invoiceIds: [], contactIds: [], source: 'sync', wholeLedger: true },
    ]);
    expect(seenAtReport).toEqual([result.invoices.items]);
    expect(analysed[0]).toBeGreaterThan(analysedBefore);
  });

  it('a backfill through the production handlers scores every customer and open invoice and plans as per contact', async () => {
    const { db, l, demo, ctx, clock } = await setup();
    const deps = { db, clock, logger: silentLogger };
    await syncLedger({ ctx, input: { ledgerId: l.id } }, demo, mirrorHandlers(deps));
    const contacts = await db.select({ id: contact.id }).from(contact).where(eq(contact.ledgerId, l.id));
    const open = await db
      .select({ id: invoice.id })
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.status, 'open')));
    const scores = await db.select().from(riskScore).where(eq(riskScore.ledgerId, l.id));
    expect(new Set(scores.filter((x) => x.subjectType === 'contact').map((x) => x.subjectId))).toEqual(
      new Set(contacts.map((c) => c.id)),
    );
    expect(new Set(scores.filter((x) => x.subjectType === 'invoice').map((x) => x.subjectId))).toEqual(
      new Set(open.map((o) => o.id)),
    );
    const planned = async () =>
      (
        await db
          .select({ invoiceId: reminderItem.invoiceId, stepKey: reminderItem.stepKey, dueAt: reminder.dueAt })
          .from(reminderItem)
          .innerJoin(reminder, eq(reminder.id, reminderItem.reminderId))
          .where(eq(reminder.ledgerId, l.id))
      )
        .map((r) => `${r.invoiceId}:${r.stepKey}:${r.dueAt.toISOString()}`)
        .sort();
    const whole = await planned();
    expect(whole.length).toBeGreaterThan(0);
    const openIds = new Set(open.map((o) => o.id));
    for (const p of whole) expect(openIds.has(p.split(':')[0]!)).toBe(true);
    // The whole-ledger pass plans exactly what planning each contact on its own plans.
    await replanContacts(
      deps,
      contacts.map((c) => c.id),
    );
    expect(await planned()).toEqual(whole);
  });

  it('an incremental run reports each changed contact once, with its changed invoices, in one report', async () => {
    const { db, l, demo, ctx, clock } = await setup();
    await syncLedger({ ctx, input: { ledgerId: l.id } }, demo);
    clock.set('2026-12-20T12:00:00Z');
    const r = recorder();
    const later = await syncLedger({ ctx, input: { ledgerId: l.id } }, demo, r.onChange);
    expect(later.invoices.changed).toBeGreaterThan(0);
    expect(r.reports).toHaveLength(1);
    expect(r.reports[0]!.wholeLedger).toBeUndefined();
    const invoices = r.reports[0]!.invoiceIds;
    expect(new Set(invoices).size).toBe(invoices.length);
    expect(invoices.length).toBeGreaterThanOrEqual(later.invoices.changed);
    // Every changed invoice's contact is in the report, once.
    const owners = await db
      .selectDistinct({ contactId: invoice.contactId })
      .from(invoice)
      .where(inArray(invoice.id, invoices));
    const contacts = r.reports[0]!.contactIds;
    expect(new Set(contacts).size).toBe(contacts.length);
    expect(contacts).toEqual(expect.arrayContaining(owners.map((o) => o.contactId)));
  });

  it('a failed backfill reports the ledger as far as it got; the resumed run reports it whole again', async () => {
    const { l, demo, ctx } = await setup();
    let pages = 0;
    const failing = {
      ...demo,
      provider: demo.provider,
      page: async (...args: Parameters<AccountingConnector['page']>) => {
        if (args[1] === 'invoices' && ++pages === 2) throw new Error('connection reset');
        return demo.page(...args);
      },
    } as unknown as AccountingConnector;
    const first = recorder();
    await expect(syncLedger({ ctx, input: { ledgerId: l.id } }, failing, first.onChange)).rejects.toThrow();
    // What the pages before the error brought in is scored and planned before the error goes up.
    expect(first.reports).toHaveLength(1);
    expect(first.reports[0]!.wholeLedger).toBe(true);
    const second = recorder();
    await syncLedger({ ctx, input: { ledgerId: l.id } }, demo, second.onChange);
    expect(second.reports).toHaveLength(1);
    expect(second.reports[0]!.wholeLedger).toBe(true);
  });
});

/** How many times ANALYZE refreshed a table's planner statistics (PGlite runs no autovacuum). */
async function analyzeCount(db: TestDatabase['db'], table: string): Promise<number> {
  const rows = await queryRows<{ n: number }>(
    db,
    sql`select analyze_count::int as n from pg_stat_user_tables where relname = ${table} and schemaname = current_schema()`,
  );
  return rows[0]?.n ?? 0;
}
