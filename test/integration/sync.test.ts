import { and, count, eq, isNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DemoConnector } from '../../connectors/demo/connector.ts';
import type { AccountingConnector, Invoice } from '../../connectors/types.ts';
import { contact, creditNote, invoice, payment, syncCursor } from '../../src/db/schema/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
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

  it('a multi-page backfill reports each contact once, with all its invoices, after the last page', async () => {
    const { db, l, demo, ctx } = await setup();
    const seenAtReport: number[] = [];
    const r = recorder();
    const result = await syncLedger({ ctx, input: { ledgerId: l.id } }, demo, async (c) => {
      seenAtReport.push(await countRows(db, invoice, l.id));
      await r.onChange(c);
    });
    expect(result.invoices.pages).toBeGreaterThan(1);
    const contacts = r.reports.flatMap((c) => c.contactIds);
    expect(new Set(contacts).size).toBe(contacts.length);
    expect(contacts).toHaveLength(40);
    const invoices = r.reports.flatMap((c) => c.invoiceIds);
    expect(new Set(invoices).size).toBe(invoices.length);
    expect(invoices).toHaveLength(result.invoices.items);
    // Reported once the whole listing is in, not page by page.
    expect(r.reports).toHaveLength(1);
    expect(seenAtReport).toEqual([result.invoices.items]);
  });

  it('a backfill resumed after a failure mid-listing reports the whole ledger; the failed run reports its pages', async () => {
    const { db, l, demo, ctx } = await setup();
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
    // The contacts and the first invoice page were reported before the error went up.
    expect(first.reports.flatMap((c) => c.contactIds)).toHaveLength(40);
    expect(first.reports.flatMap((c) => c.invoiceIds).length).toBeGreaterThan(0);
    const second = recorder();
    await syncLedger({ ctx, input: { ledgerId: l.id } }, demo, second.onChange);
    const open = await db
      .select({ id: invoice.id })
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.status, 'open')));
    expect(new Set(second.reports.flatMap((c) => c.invoiceIds))).toEqual(new Set(open.map((o) => o.id)));
    expect(second.reports.flatMap((c) => c.contactIds)).toHaveLength(40);
  });
});
