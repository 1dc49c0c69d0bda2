import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { collectionState, membershipLedger } from '../../src/db/schema/index.ts';
import { parseCsv } from '../../src/domain/risk/csv.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice, makeLedger } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

/**
 * A way in to the data: every invoice of a ledger or the portfolio, found by number, customer or
 * email, filtered by aging, currency, status and collection state, sorted and paged, and exported
 * as CSV holding exactly what the filter shows, in the API and on the page alike.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function practice() {
  const clock = fixedClock('2026-11-23T10:00:00Z');
  const deps = await testDeps(database, { clock });
  const app = createApp(deps);
  const firm = await makeFirm(database.db);
  const london = await makeLedger(database.db, firm.id, { name: 'London Ltd', baseCurrency: 'GBP', settings: {} });
  const tokyo = await makeLedger(database.db, firm.id, {
    externalId: 'tokyo',
    name: 'Tokyo KK',
    baseCurrency: 'JPY',
    timezone: 'Asia/Tokyo',
    settings: {},
  });
  const kea = await makeContact(database.db, london, { name: 'Kea Builders', email: 'ap@kea.example' });
  const ruru = await makeContact(database.db, london, { name: 'Ruru & Co', email: 'pay@ruru.example' });
  const sato = await makeContact(database.db, tokyo, { name: 'Sato Trading', email: 'keiri@sato.example' });
  const i = {
    current: await makeInvoice(database.db, kea, {
      number: 'L-100',
      currency: 'GBP',
      amountDue: '100',
      dueDate: '2026-12-10',
    }),
    late20: await makeInvoice(database.db, kea, {
      number: 'L-101',
      currency: 'GBP',
      amountDue: '2500',
      dueDate: '2026-11-03',
    }),
    late45: await makeInvoice(database.db, ruru, {
      number: 'L-102',
      currency: 'GBP',
      amountDue: '40',
      dueDate: '2026-10-09',
    }),
    paid: await makeInvoice(database.db, ruru, {
      number: 'L-103',
      status: 'paid',
      amountDue: '0',
      dueDate: '2026-10-01',
    }),
    yen: await makeInvoice(database.db, sato, {
      number: 'T-9',
      currency: 'JPY',
      amountDue: '325794',
      dueDate: '2025-10-19',
    }),
  };
  await database.db.insert(collectionState).values({
    invoiceId: i.late45.id,
    firmId: firm.id,
    ledgerId: london.id,
    disputedAt: new Date(),
    disputeReason: 'damaged',
  });
  // Another firm's invoice with a matching number: never listed.
  const stranger = await makeFirm(database.db);
  const theirs = await makeLedger(database.db, stranger.id, { externalId: 'theirs', settings: {} });
  await makeInvoice(database.db, await makeContact(database.db, theirs, { name: 'Kea Builders' }), { number: 'L-100' });
  const user = await signedIn(database.db, firm.id);
  const get = async (query: string) => {
    const res = await app.request(`/api/v1/invoices?${query}`, { headers: { cookie: user.cookie } });
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
    };
  };
  const numbers = async (query: string) =>
    ((await get(query)).body.invoices as { number: string }[]).map((x) => x.number);
  return { app, user, london, tokyo, i, get, numbers };
}

describe('the invoice list', () => {
  it('searches by number, customer and email across the portfolio, never another firm’s', async () => {
    const s = await practice();
    expect(await s.numbers('q=L-10')).toEqual(['L-102', 'L-101', 'L-100']);
    expect(await s.numbers('q=ruru %26')).toEqual(['L-102']);
    expect(await s.numbers('q=SATO.EXAMPLE')).toEqual(['T-9']);
    expect(await s.numbers('q=100%25')).toEqual([]);
    expect((await s.get('q=L-100')).body.total).toBe(1);
    // A member assigned to one ledger sees that ledger's invoices only.
    const member = await signedIn(database.db, s.london.firmId, 'member');
    await database.db
      .insert(membershipLedger)
      .values({ firmId: s.london.firmId, userId: member.userId, ledgerId: s.london.id });
    const mine = await s.app.request('/api/v1/invoices?sort=number', { headers: { cookie: member.cookie } });
    expect((await mine.json()).invoices.map((x: { number: string }) => x.number)).toEqual(['L-100', 'L-101', 'L-102']);
  });

  it('filters by ledger, status, currency, aging in the ledger’s zone and collection state', async () => {
    const s = await practice();
    expect(await s.numbers(`ledgerId=${s.london.id}`)).toEqual(['L-102', 'L-101', 'L-100']);
    expect(await s.numbers('status=paid')).toEqual(['L-103']);
    expect(await s.numbers('currency=JPY')).toEqual(['T-9']);
    expect(await s.numbers('aging=current')).toEqual(['L-100']);
    expect(await s.numbers('aging=1-30')).toEqual(['L-101']);
    expect(await s.numbers('aging=31-60')).toEqual(['L-102']);
    expect(await s.numbers('aging=90%2B')).toEqual(['T-9']);
    expect(await s.numbers('collection=disputed')).toEqual(['L-102']);
    expect(await s.numbers('collection=chasing')).toEqual(['T-9', 'L-101', 'L-100']);
    const row = (await s.get('q=T-9')).body.invoices[0];
    expect(row).toMatchObject({ ledgerName: 'Tokyo KK', customer: 'Sato Trading', daysOverdue: 400, collection: '' });
  });

  it('sorts and pages, with the total of the filter', async () => {
    const s = await practice();
    expect(await s.numbers('sort=amount&dir=desc&currency=GBP')).toEqual(['L-101', 'L-100', 'L-102']);
    expect(await s.numbers('sort=customer')).toEqual(['L-101', 'L-100', 'L-102', 'T-9']);
    const page2 = (await s.get('sort=number&limit=2&offset=2')).body;
    expect(page2).toMatchObject({ total: 4, limit: 2, offset: 2 });
    expect(page2.invoices.map((x: { number: string }) => x.number)).toEqual(['L-102', 'T-9']);
  });

  it('exports every page of the filter as CSV that parses back; bad parameters are 400', async () => {
    const s = await practice();
    const csv = await s.get('currency=GBP&sort=amount&dir=desc&limit=1&format=csv');
    expect(csv.status).toBe(200);
    const rows = parseCsv(csv.body as string);
    expect(rows[0]).toEqual(expect.arrayContaining(['number', 'customer', 'amount_due', 'days_overdue', 'collection']));
    expect(rows.slice(1).map((r) => r[1])).toEqual(['L-101', 'L-100', 'L-102']);
    expect(rows.find((r) => r[1] === 'L-102')?.at(-1)).toBe('disputed');
    for (const bad of ['aging=old', 'currency=pounds', 'limit=0', 'sort=colour', 'ledgerId=x'])
      expect((await s.get(bad)).status, bad).toBe(400);
  });

  it('the page: the same filters as a shareable form, its CSV link and paging', async () => {
    const s = await practice();
    const page = async (query: string) => {
      const res = await s.app.request(`/invoices?${query}`, {
        headers: { cookie: s.user.cookie, accept: 'text/html' },
      });
      return { status: res.status, html: await res.text() };
    };
    const one = await page('currency=GBP&sort=amount&dir=desc&limit=2');
    expect(one.status).toBe(200);
    expect(one.html).toContain('1–2 of 3 invoices');
    expect(one.html.indexOf('L-101')).toBeLessThan(one.html.indexOf('L-100'));
    expect(one.html).not.toContain('L-102');
    expect(one.html).toContain('£2,500.00');
    expect(one.html).toContain(
      'href="/api/v1/invoices?currency=GBP&amp;sort=amount&amp;dir=desc&amp;limit=2&amp;format=csv"',
    );
    expect(one.html).toContain(
      'href="/invoices?currency=GBP&amp;sort=amount&amp;dir=desc&amp;limit=2&amp;offset=2">Next</a>',
    );
    const two = await page('currency=GBP&sort=amount&dir=desc&limit=2&offset=2');
    expect(two.html).toContain('3–3 of 3 invoices');
    expect(two.html).toContain('>Previous</a>');
    expect(two.html).toContain('disputed');
    const bad = await page('aging=ancient');
    expect(bad.status).toBe(400);
    expect(bad.html).toContain('a filter is not valid');
    expect(bad.html).toContain('aging:');
  });
});
