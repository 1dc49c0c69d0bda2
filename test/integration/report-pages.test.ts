import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice, makeLedger } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';
import { silentLogger } from '../../src/lib/logger.ts';

/**
 * Pages show money and time as a bookkeeper reads them: amounts in the row's currency with that
 * currency's own decimals (no "18636.8200", no yen with cents), times with the zone they are in.
 * The CSV keeps the raw amounts for spreadsheets.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

async function yenLedger() {
  const clock = fixedClock('2026-11-23T01:00:00Z'); // Monday 10:00 in Tokyo
  const deps = await testDeps(database, { clock });
  const app = createApp(deps);
  const firm = await makeFirm(database.db);
  const l = await makeLedger(database.db, firm.id, {
    name: 'Tanaka Shoji KK',
    baseCurrency: 'JPY',
    timezone: 'Asia/Tokyo',
    country: 'JP',
    settings: {},
  });
  const c = await makeContact(database.db, l, { name: 'Sato Trading' });
  await makeInvoice(database.db, c, {
    currency: 'JPY',
    total: '104188',
    amountDue: '104188',
    dueDate: '2026-10-01',
  });
  await replanContacts({ db: database.db, clock, logger: silentLogger }, [c.id]);
  const user = await signedIn(database.db, firm.id);
  const page = async (path: string) => (await app.request(path, { headers: { cookie: user.cookie } })).text();
  return { app, l, c, user, page };
}

describe('report pages read like money', () => {
  it('amounts in the row’s currency with its own decimals; the CSV stays raw', async () => {
    const s = await yenLedger();
    const aging = await s.page(`/reports/aging?ledgerId=${s.l.id}`);
    expect(aging).toContain('¥104,188<');
    expect(aging).not.toContain('104188.0000');
    expect(aging).not.toMatch(/¥104,188\.\d/);
    const top = await s.page(`/reports/top-overdue?ledgerId=${s.l.id}`);
    expect(top).toContain('¥104,188<');
    const csv = await (
      await s.app.request(`/api/v1/reports/aging?format=csv&ledgerId=${s.l.id}`, { headers: { cookie: s.user.cookie } })
    ).text();
    expect(csv).toContain('104188.0000');
  });

  it('times on a ledger’s page name the zone they are in', async () => {
    const s = await yenLedger();
    const overview = await s.page(`/ledgers/${s.l.id}`);
    expect(overview).toMatch(/\d{2}:\d{2} Tokyo time/);
    // Upcoming reminders say what will be sent, not the planner's step key.
    expect(overview).toMatch(
      /<td>(Friendly reminder|Reminder|Firm reminder|Final notice) · \d+ days overdue(, repeat \d+)?<\/td>/,
    );
    expect(overview).not.toMatch(/<td>(pre|post)[+-]\d+/);
  });

  it('no currency’s money is left out: aging, top overdue, provision and credit show every one', async () => {
    const clock = fixedClock('2026-11-23T10:00:00Z');
    const app = createApp(await testDeps(database, { clock }));
    const firm = await makeFirm(database.db);
    const l = await makeLedger(database.db, firm.id, {
      name: 'Harbour Supplies Ltd',
      baseCurrency: 'GBP',
      settings: {},
    });
    const local = await makeContact(database.db, l, { name: 'Local Ltd' });
    const tokyo = await makeContact(database.db, l, { name: 'Sato Trading' });
    await makeInvoice(database.db, local, {
      currency: 'GBP',
      total: '1200.50',
      amountDue: '1200.50',
      dueDate: '2026-11-01',
    });
    // 400 days overdue in yen, the ledger's oldest debt.
    await makeInvoice(database.db, tokyo, {
      currency: 'JPY',
      total: '325794',
      amountDue: '325794',
      dueDate: '2025-10-19',
    });
    const user = await signedIn(database.db, firm.id);
    const api = async (path: string) =>
      (await app.request(`/api/v1${path}`, { headers: { cookie: user.cookie } })).json();
    const aging = await api(`/reports/aging?ledgerId=${l.id}`);
    expect(aging.rows).toEqual([
      ['Harbour Supplies Ltd', 'GBP', '0.0000', '1200.5000', '0.0000', '0.0000', '0.0000'],
      ['Harbour Supplies Ltd', 'JPY', '0.0000', '0.0000', '0.0000', '0.0000', '325794.0000'],
    ]);
    const top = await api(`/reports/top-overdue?ledgerId=${l.id}`);
    expect(top.rows.map((r: unknown[]) => r.slice(1, 4))).toEqual(
      expect.arrayContaining([
        ['Local Ltd', 'GBP', '1200.5000'],
        ['Sato Trading', 'JPY', '325794.0000'],
      ]),
    );
    const provision = await api(`/reports/provision?ledgerId=${l.id}`);
    expect(provision.rows.map((r: unknown[]) => r.slice(1, 4))).toEqual(
      expect.arrayContaining([['Sato Trading', 'JPY', '325794.0000']]),
    );
    const credit = await api(`/ledgers/${l.id}/credit`);
    expect(credit.customers.find((k: { name: string }) => k.name === 'Sato Trading')).toMatchObject({
      currency: 'GBP',
      openBalance: '0.0000',
      otherCurrencies: [{ currency: 'JPY', openBalance: '325794.0000' }],
    });
    const page = await (await app.request(`/ledgers/${l.id}/credit`, { headers: { cookie: user.cookie } })).text();
    expect(page).toContain('+ JP¥325,794');
  });
});

describe('the aged-debtors report', () => {
  it('ages each customer by days past due in the ledger’s today, per currency, with a total per currency', async () => {
    // 23 Nov 2026 00:30 in London is still 22 Nov in Los Angeles: the ledger's own date decides.
    const clock = fixedClock('2026-11-23T00:30:00Z');
    const app = createApp(await testDeps(database, { clock }));
    const firm = await makeFirm(database.db);
    const l = await makeLedger(database.db, firm.id, {
      name: 'Pacific Joinery',
      baseCurrency: 'USD',
      timezone: 'America/Los_Angeles',
      settings: {},
    });
    const acme = await makeContact(database.db, l, { name: 'Acme' });
    const zen = await makeContact(database.db, l, { name: 'Zen Foods' });
    const open = (c: typeof acme, dueDate: string, amountDue: string, currency = 'USD') =>
      makeInvoice(database.db, c, { currency, dueDate, total: amountDue, amountDue });
    await open(acme, '2026-11-22', '100.00'); // due today: current
    await open(acme, '2026-11-21', '200.00'); // 1 day late
    await open(acme, '2026-10-23', '300.00'); // 30 days
    await open(acme, '2026-10-22', '400.00'); // 31 days
    await open(acme, '2026-08-23', '500.00'); // 91 days
    await open(zen, '2026-09-01', '104188', 'JPY'); // 82 days, in yen
    await open(zen, '2026-12-20', '50.00');
    await makeInvoice(database.db, acme, { status: 'paid', amountDue: '0', total: '999.00', dueDate: '2026-01-01' });
    await makeInvoice(database.db, zen, {
      status: 'voided',
      amountDue: '777.00',
      total: '777.00',
      dueDate: '2026-01-01',
    });
    const user = await signedIn(database.db, firm.id);
    const get = (path: string) => app.request(path, { headers: { cookie: user.cookie } });

    const r = await (await get(`/api/v1/reports/aged-debtors?ledgerId=${l.id}`)).json();
    expect(r.columns).toEqual(['ledger', 'customer', 'currency', 'current', '1-30', '31-60', '61-90', '90+', 'total']);
    expect(r.rows).toEqual([
      ['Pacific Joinery', 'Acme', 'USD', '100.0000', '500.0000', '400.0000', '0.0000', '500.0000', '1500.0000'],
      ['Pacific Joinery', 'Zen Foods', 'USD', '50.0000', '0.0000', '0.0000', '0.0000', '0.0000', '50.0000'],
      [
        'Pacific Joinery',
        'Total (2 customers)',
        'USD',
        '150.0000',
        '500.0000',
        '400.0000',
        '0.0000',
        '500.0000',
        '1550.0000',
      ],
      ['Pacific Joinery', 'Zen Foods', 'JPY', '0.0000', '0.0000', '0.0000', '104188.0000', '0.0000', '104188.0000'],
      [
        'Pacific Joinery',
        'Total (1 customer)',
        'JPY',
        '0.0000',
        '0.0000',
        '0.0000',
        '104188.0000',
        '0.0000',
        '104188.0000',
      ],
    ]);
    const page = await (await get(`/reports/aged-debtors?ledgerId=${l.id}`)).text();
    expect(page).toContain('US$1,550.00<');
    expect(page).toContain('¥104,188<');
    expect(await (await get('/reports')).text()).toContain('Aged debtors');
    const csv = await (await get(`/api/v1/reports/aged-debtors?format=csv&ledgerId=${l.id}`)).text();
    expect(csv.split(/\r?\n/)[0]).toBe('ledger,customer,currency,current,1-30,31-60,61-90,90+,total');
    expect(csv).toContain('Pacific Joinery,Acme,USD,100.0000,500.0000,400.0000,0.0000,500.0000,1500.0000');
  });
});
