import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, inArray, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { anyOf, textArrayLiteral } from '../../src/db/array-param.ts';
import { queryRows } from '../../src/db/client.ts';
import { invoice } from '../../src/db/schema/index.ts';
import { markDeleted } from '../../src/services/mirror.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeContact, makeFirm, makeInvoice, makeLedger } from '../support/factories.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => database?.drop());

describe('markDeleted', () => {
  it('marks a bulk deletion past one statement’s chunk, keeps newer rows and other ledgers’ rows', async () => {
    const db = database.db;
    const f = await makeFirm(db);
    const l = await makeLedger(db, f.id);
    const other = await makeLedger(db, f.id, { externalId: 'other-ledger' });
    const c = await makeContact(db, l);
    const oc = await makeContact(db, other);
    const at = new Date('2026-11-10T00:00:00Z');
    // 1,203 invoices: more than one delete statement's worth of ids.
    const ids = Array.from({ length: 1203 }, (_, i) => `bulk-${i}`);
    await db.insert(invoice).values(
      ids.map((externalId, i) => ({
        firmId: f.id,
        ledgerId: l.id,
        contactId: c.id,
        contactExternalId: c.externalId,
        externalId,
        number: `B-${i}`,
        providerUpdatedAt: new Date('2026-11-01T00:00:00Z'),
        status: 'open' as const,
        currency: 'NZD',
        issueDate: '2026-10-21',
        dueDate: '2026-11-20',
        total: '10.0000',
        amountDue: '10.0000',
        amountPaid: '0',
        amountCredited: '0',
        sentToContact: true,
      })),
    );
    // Updated at the provider after the deletion time given: newer wins, it stays.
    const newer = await makeInvoice(db, c, {
      externalId: 'newer',
      providerUpdatedAt: new Date('2026-11-20T00:00:00Z'),
    });
    // Same external id in another ledger: not this ledger's to delete.
    const elsewhere = await makeInvoice(db, oc, { externalId: 'bulk-7' });
    // A second deletion time in the same call (a sync page carries one per entity).
    const late = await makeInvoice(db, c, { externalId: 'late', providerUpdatedAt: new Date('2026-11-15T00:00:00Z') });

    const changed = await markDeleted(db, l.id, 'invoices', [
      ...ids.map((externalId) => ({ externalId, updatedAt: at })),
      { externalId: 'newer', updatedAt: at },
      { externalId: 'late', updatedAt: new Date('2026-11-16T00:00:00Z') },
      { externalId: 'never-mirrored', updatedAt: at },
    ]);

    expect(changed).toHaveLength(1204);
    expect(new Set(changed.map((r) => r.externalId))).toEqual(new Set([...ids, 'late']));
    const bulk = await db
      .select({ status: invoice.status, amountDue: invoice.amountDue })
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), inArray(invoice.externalId, ids)));
    expect(bulk).toHaveLength(1203);
    expect(bulk.every((r) => r.status === 'deleted' && Number(r.amountDue) === 0)).toBe(true);
    const [n] = await db.select().from(invoice).where(eq(invoice.id, newer.id));
    expect(n!.status).toBe('open');
    const [e] = await db.select().from(invoice).where(eq(invoice.id, elsewhere.id));
    expect(e!.status).toBe('open');
    const [lt] = await db.select().from(invoice).where(eq(invoice.id, late.id));
    expect(lt!.status).toBe('deleted');
    expect(lt!.providerUpdatedAt.toISOString()).toBe('2026-11-16T00:00:00.000Z');
  });

  it('matches external ids that need quoting in an array literal (quotes, backslashes, commas, braces, NULL, spaces)', async () => {
    const db = database.db;
    const f = await makeFirm(db);
    const l = await makeLedger(db, f.id);
    const c = await makeContact(db, l);
    const odd = ['a,b', 'say "hi"', 'back\\slash\\', '{braced}', 'NULL', ' padded ', '', 'ünï'];
    const made = [];
    for (const externalId of [...odd, 'kept'])
      made.push(await makeInvoice(db, c, { externalId, providerUpdatedAt: new Date('2026-11-01T00:00:00Z') }));
    const changed = await markDeleted(
      db,
      l.id,
      'invoices',
      odd.map((externalId) => ({ externalId, updatedAt: new Date('2026-11-10T00:00:00Z') })),
    );
    expect(changed.map((r) => r.externalId).sort()).toEqual([...odd].sort());
    const [kept] = await db
      .select()
      .from(invoice)
      .where(eq(invoice.id, made.at(-1)!.id));
    expect(kept!.status).toBe('open');
  });
});

describe('anyOf', () => {
  it('binds any list of strings as one array parameter that Postgres reads back unchanged', async () => {
    // Postgres text cannot hold \u0000; everything else must survive the literal.
    const text = fc.string({ unit: 'grapheme', maxLength: 12 }).filter((s) => !s.includes('\u0000'));
    await fc.assert(
      fc.asyncProperty(fc.array(text, { maxLength: 20 }), async (values) => {
        const rows = await queryRows<{ v: string }>(
          database.db,
          sql`select unnest(${textArrayLiteral(values)}::text[]) as v`,
        );
        expect(rows.map((r) => r.v)).toEqual(values);
        const hits = await queryRows<{ n: number }>(
          database.db,
          sql`select count(*)::int as n from (select unnest(${textArrayLiteral(values)}::text[]) as v) x where ${anyOf(sql`x.v`, values)}`,
        );
        expect(hits[0]!.n).toBe(values.length);
      }),
      { numRuns: 100 },
    );
  });
});
