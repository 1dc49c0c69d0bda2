import { describe, expect, it } from 'vitest';
import { DemoConnector } from '../../connectors/demo/connector.ts';
import { generateDemoBook } from '../../connectors/demo/generate.ts';
import type { Invoice, Resource } from '../../connectors/types.ts';
import { addMonths, daysBetween } from '../../src/domain/dates.ts';
import { fixedClock } from '../../src/lib/clock.ts';

const ANCHOR = '2026-11-20';
const connectorAt = (now: string, seed = 42) =>
  new DemoConnector({ seed, anchor: ANCHOR, clock: fixedClock(now), pageSize: 100 });

async function everything<R extends Resource>(c: DemoConnector, resource: R, modifiedSince?: Date) {
  const all = [];
  let cursor: string | undefined;
  do {
    const page = await c.page('demo-42', resource, { cursor, modifiedSince });
    all.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return all;
}

describe('demo ledger', () => {
  it('is deterministic for a seed and anchor, and differs for another seed', () => {
    const snapshot = (seed: number) =>
      JSON.stringify(generateDemoBook(seed, ANCHOR), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v));
    const a = snapshot(42);
    expect(snapshot(42)).toBe(a);
    expect(snapshot(43)).not.toBe(a);
  });

  it('has 40 customers with distinct behaviours, currencies and zones', () => {
    const book = generateDemoBook(42, ANCHOR);
    expect(book.customers).toHaveLength(40);
    expect(new Set(book.customers.map((c) => c.profile.behaviour)).size).toBeGreaterThanOrEqual(7);
    expect(new Set(book.customers.map((c) => c.region.currency)).size).toBeGreaterThanOrEqual(3);
    expect(new Set(book.customers.map((c) => c.region.timezone)).size).toBeGreaterThanOrEqual(4);
    expect(book.customers.some((c) => c.region.timezone === undefined)).toBe(true);
  });

  it('shows 18 months of history up to the anchor', async () => {
    const invoices = (await everything(connectorAt(`${ANCHOR}T12:00:00Z`), 'invoices')) as Invoice[];
    const first = invoices.map((i) => i.issueDate).sort()[0]!;
    expect(daysBetween(addMonths(ANCHOR, -18), first)).toBeLessThan(40);
    expect(invoices.length).toBeGreaterThan(500);
    const statuses = new Set(invoices.map((i) => i.status));
    for (const s of ['open', 'paid', 'voided']) expect(statuses).toContain(s);
    // Some open invoices are overdue, some not yet due; partial payments leave a balance.
    const open = invoices.filter((i) => i.status === 'open');
    expect(open.some((i) => i.dueDate! < ANCHOR)).toBe(true);
    expect(open.some((i) => i.dueDate! >= ANCHOR)).toBe(true);
    expect(open.some((i) => i.amountPaid !== '0.0000')).toBe(true);
    expect(invoices.some((i) => i.amountCredited !== '0.0000')).toBe(true);
  });

  it('advances with the clock: new invoices and payments appear, older records unchanged', async () => {
    const before = connectorAt(`${ANCHOR}T12:00:00Z`);
    const after = connectorAt('2026-12-20T12:00:00Z');
    const inv0 = await everything(before, 'invoices');
    const inv1 = await everything(after, 'invoices');
    expect(inv1.length).toBeGreaterThan(inv0.length);
    const pay0 = await everything(before, 'payments');
    const pay1 = await everything(after, 'payments');
    expect(pay1.length).toBeGreaterThan(pay0.length);
    // Incremental: asking for changes since the anchor returns only what changed after it.
    const since = new Date(`${ANCHOR}T12:00:00Z`);
    const changed = await everything(after, 'invoices', since);
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.length).toBeLessThan(inv1.length);
    expect(changed.every((i) => i.updatedAt >= since)).toBe(true);
  });

  it('pages cover every record exactly once', async () => {
    const c = connectorAt(`${ANCHOR}T12:00:00Z`);
    const ids = (await everything(c, 'invoices')).map((i) => i.externalId);
    expect(new Set(ids).size).toBe(ids.length);
    const page = await c.page('demo-42', 'invoices', {});
    expect(page.estimatedPages).toBe(Math.ceil(ids.length / 100));
  });

  it('keeps money consistent: total = due + paid + credited for every live invoice', async () => {
    const invoices = (await everything(connectorAt(`${ANCHOR}T12:00:00Z`), 'invoices')) as Invoice[];
    for (const i of invoices.filter((x) => x.status !== 'voided')) {
      const units = (s: string) => BigInt(s.replace('.', ''));
      expect(units(i.total)).toBe(units(i.amountDue) + units(i.amountPaid) + units(i.amountCredited));
    }
  });

  it('rejects an unknown ledger and a bad cursor with typed errors', async () => {
    const c = connectorAt(`${ANCHOR}T12:00:00Z`);
    await expect(c.page('other', 'invoices', {})).rejects.toMatchObject({ code: 'not_found', retryable: false });
    await expect(c.page('demo-42', 'invoices', { cursor: 'x' })).rejects.toMatchObject({ code: 'validation' });
  });

  it('records notes written back to invoices', async () => {
    const c = connectorAt(`${ANCHOR}T12:00:00Z`);
    await c.addInvoiceNote('demo-42', 'demo-inv-001-0001', 'Reminder sent');
    expect(c.notes.get('demo-inv-001-0001')).toEqual(['Reminder sent']);
  });
});
