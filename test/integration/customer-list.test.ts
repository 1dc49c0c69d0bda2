import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { contactState, membershipLedger, riskScore } from '../../src/db/schema/index.ts';
import { parseCsv } from '../../src/domain/risk/csv.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice, makeLedger } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

/**
 * The customer list: who owes what (in the ledger's currency, other currencies counted beside),
 * how late, how risky, whether they are being chased; searched, filtered, sorted, paged and
 * exported alike in the API and on the page.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function practice() {
  const clock = fixedClock('2026-11-23T10:00:00Z');
  const app = createApp(await testDeps(database, { clock }));
  const firm = await makeFirm(database.db);
  const l = await makeLedger(database.db, firm.id, { name: 'London Ltd', baseCurrency: 'GBP', settings: {} });
  const kea = await makeContact(database.db, l, { name: 'Kea Builders', email: 'ap@kea.example' });
  const ruru = await makeContact(database.db, l, { name: 'Ruru & Co', email: 'pay@ruru.example' });
  const sato = await makeContact(database.db, l, { name: 'Sato Trading', email: 'keiri@sato.example' });
  await makeContact(database.db, l, { name: 'Quiet Ltd' }); // owes nothing
  await makeInvoice(database.db, kea, { currency: 'GBP', amountDue: '100', dueDate: '2026-12-10' });
  await makeInvoice(database.db, kea, { currency: 'GBP', amountDue: '2500', dueDate: '2026-11-03' });
  await makeInvoice(database.db, ruru, { currency: 'GBP', amountDue: '40', dueDate: '2026-10-09' });
  await makeInvoice(database.db, ruru, { status: 'paid', currency: 'GBP', amountDue: '0', dueDate: '2026-06-01' });
  await makeInvoice(database.db, sato, { currency: 'JPY', amountDue: '325794', dueDate: '2025-10-19' });
  await database.db
    .insert(contactState)
    .values({ contactId: ruru.id, firmId: firm.id, ledgerId: l.id, pausedUntil: new Date('2026-12-31T00:00:00Z') });
  await database.db.insert(riskScore).values({
    firmId: firm.id,
    ledgerId: l.id,
    subjectType: 'contact',
    subjectId: sato.id,
    pLate: '0.9',
    pVeryLate: '0.8',
    pSevere: '0.7',
    band: 'high',
    reasons: [],
    modelVersion: 'test',
    computedAt: new Date(),
  });
  const user = await signedIn(database.db, firm.id);
  const get = async (query: string) => {
    const res = await app.request(`/api/v1/customers?${query}`, { headers: { cookie: user.cookie } });
    return {
      status: res.status,
      body: res.headers.get('content-type')?.includes('json') ? await res.json() : await res.text(),
    };
  };
  const names = async (query: string) => ((await get(query)).body.customers as { name: string }[]).map((c) => c.name);
  return { app, user, l, get, names };
}

describe('the customer list', () => {
  it('shows what each customer owes, how late, and whether it is being chased', async () => {
    const s = await practice();
    const { body } = await s.get('');
    expect(body.total).toBe(3);
    expect(body.customers).toEqual([
      expect.objectContaining({
        name: 'Kea Builders',
        currency: 'GBP',
        openBalance: '2600.0000',
        openInvoices: 2,
        oldestOverdueDays: 20,
        otherCurrencies: 0,
        state: 'chasing',
      }),
      expect.objectContaining({
        name: 'Ruru & Co',
        openBalance: '40.0000',
        openInvoices: 1,
        oldestOverdueDays: 45,
        state: 'paused until 2026-12-31',
      }),
      // Owes only yen: nothing in pounds, the yen counted beside, never hidden.
      expect.objectContaining({
        name: 'Sato Trading',
        openBalance: '0.0000',
        otherCurrencies: 1,
        oldestOverdueDays: 400,
        band: 'high',
      }),
    ]);
    expect(await s.names('owing=all&sort=name&dir=asc')).toEqual([
      'Kea Builders',
      'Quiet Ltd',
      'Ruru & Co',
      'Sato Trading',
    ]);
  });

  it('searches, filters, sorts and pages', async () => {
    const s = await practice();
    expect(await s.names('q=RURU %26')).toEqual(['Ruru & Co']);
    expect(await s.names('q=sato.example')).toEqual(['Sato Trading']);
    expect(await s.names('q=%25')).toEqual([]);
    expect(await s.names('band=high')).toEqual(['Sato Trading']);
    expect(await s.names('state=paused')).toEqual(['Ruru & Co']);
    expect(await s.names('state=chasing&sort=name&dir=asc')).toEqual(['Kea Builders', 'Sato Trading']);
    expect(await s.names('aging=1-30')).toEqual(['Kea Builders']);
    expect(await s.names('aging=90%2B')).toEqual(['Sato Trading']);
    expect(await s.names('sort=oldest')).toEqual(['Sato Trading', 'Ruru & Co', 'Kea Builders']);
    expect(await s.names('sort=risk')).toEqual(['Sato Trading', 'Kea Builders', 'Ruru & Co']);
    const page = (await s.get('sort=name&dir=asc&limit=2&offset=2')).body;
    expect(page).toMatchObject({ total: 3, offset: 2 });
    expect(page.customers.map((c: { name: string }) => c.name)).toEqual(['Sato Trading']);
  });

  it('exports every page as CSV; bad parameters are 400', async () => {
    const s = await practice();
    const csv = await s.get('limit=1&format=csv');
    const rows = parseCsv(csv.body as string);
    expect(rows[0]).toEqual(expect.arrayContaining(['customer', 'open_balance', 'oldest_overdue_days', 'state']));
    expect(rows.slice(1).map((r) => r[1])).toEqual(['Kea Builders', 'Ruru & Co', 'Sato Trading']);
    for (const bad of ['band=extreme', 'state=asleep', 'owing=maybe', 'limit=9999'])
      expect((await s.get(bad)).status, bad).toBe(400);
  });

  it('the page: filters as a shareable form, the balance with other currencies noted, CSV and paging links', async () => {
    const s = await practice();
    const res = await s.app.request('/customers?sort=name&dir=asc&limit=2', { headers: { cookie: s.user.cookie } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('1–2 of 3 customers');
    expect(html).toContain('£2,600.00 · 2 open');
    expect(html).toContain('paused until 2026-12-31');
    expect(html).toContain('href="/api/v1/customers?sort=name&amp;dir=asc&amp;limit=2&amp;format=csv"');
    expect(html).toContain('href="/customers?sort=name&amp;dir=asc&amp;limit=2&amp;offset=2">Next</a>');
    const last = await (
      await s.app.request('/customers?sort=name&dir=asc&limit=2&offset=2', { headers: { cookie: s.user.cookie } })
    ).text();
    expect(last).toContain('£0.00 · 1 open + 1 other currency');
    expect(last).toContain('>Previous</a>');
  });

  it('a member assigned to one ledger sees its customers only', async () => {
    const s = await practice();
    const other = await makeLedger(database.db, s.l.firmId, { externalId: 'other', name: 'Other Ltd', settings: {} });
    await makeInvoice(database.db, await makeContact(database.db, other, { name: 'Elsewhere Ltd' }), {
      dueDate: '2026-11-01',
    });
    expect(await s.names('sort=name&dir=asc')).toContain('Elsewhere Ltd');
    const member = await signedIn(database.db, s.l.firmId, 'member');
    await database.db.insert(membershipLedger).values({ firmId: s.l.firmId, userId: member.userId, ledgerId: s.l.id });
    const res = await s.app.request('/api/v1/customers?sort=name&dir=asc', { headers: { cookie: member.cookie } });
    expect((await res.json()).customers.map((c: { name: string }) => c.name)).toEqual([
      'Kea Builders',
      'Ruru & Co',
      'Sato Trading',
    ]);
  });
});
