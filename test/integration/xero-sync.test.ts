import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { XeroConnector } from '../../connectors/xero/connector.ts';
import { ConnectorError } from '../../connectors/types.ts';
import { openDatabase } from '../../src/db/client.ts';
import { connection, contact, creditNote, invoice, ledger, payment, syncCursor } from '../../src/db/schema/index.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { createIntegrations } from '../../src/services/integrations.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { expireAccessToken } from '../support/factories.ts';
import { connectXero } from '../support/xero/connected.ts';
import { msDate, templates } from '../support/xero/fixtures.ts';
import { useXeroFake } from '../support/xero/setup.ts';

const xero = useXeroFake();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const invoiceCount = async (ledgerId: string) =>
  (await database.db.select({ n: count() }).from(invoice).where(eq(invoice.ledgerId, ledgerId)))[0]!.n;

async function setup() {
  const fake = xero.reset();
  const c = await connectXero(database, fake);
  const connector = async () => (await c.deps.integrations.resolve(c.ledger)) as XeroConnector;
  const sync = async () => syncLedger({ ctx: c.ctx, input: { ledgerId: c.ledger.id } }, await connector());
  return { fake, ...c, connector, sync };
}

describe('Xero backfill and incremental sync', () => {
  it('backfills across 3+ pages of 1,000, with every resource mirrored and progress recorded', async () => {
    const { fake, tenant, ledger: l, sync } = await setup();
    const t = templates();
    fake.seedInvoices(tenant, 2600);
    tenant.Contacts.push(t.contact);
    tenant.Payments.push(t.payment);
    tenant.CreditNotes.push(t.creditNote);
    tenant.Overpayments.push({ ...t.overpayment, Type: 'RECEIVE-OVERPAYMENT' });
    tenant.Prepayments.push(t.prepayment);
    const result = await sync();
    // Walking by modification time re-reads the boundary record of each page (harmless: newer-wins).
    expect(result.invoices.pages).toBe(3);
    expect(result.invoices.items).toBeGreaterThanOrEqual(2600);
    expect(result.invoices.items).toBeLessThanOrEqual(2604);
    expect(await invoiceCount(l.id)).toBe(2600);
    const invoiceCalls = fake.requests.filter((r) => r.path === '/Invoices');
    expect(invoiceCalls.map((r) => r.query.pageSize)).toEqual(['1000', '1000', '1000']);
    expect(invoiceCalls[0]!.query.where).toBe('Type=="ACCREC"');
    expect(invoiceCalls[0]!.headers['if-modified-since']).toBeUndefined();
    // Later pages walk forward by modification time.
    expect(invoiceCalls[1]!.headers['if-modified-since']).toBeDefined();
    const n = async (table: typeof contact | typeof payment | typeof creditNote) =>
      (await database.db.select({ n: count() }).from(table).where(eq(table.ledgerId, l.id)))[0]!.n;
    expect([await n(contact), await n(payment), await n(creditNote)]).toEqual([1, 1, 3]);
    const [cur] = await database.db
      .select()
      .from(syncCursor)
      .where(and(eq(syncCursor.ledgerId, l.id), eq(syncCursor.resource, 'invoices')));
    expect(cur).toMatchObject({
      backfillStatus: 'done',
      pagesDone: 3,
      pagesEstimated: 3,
      itemsDone: result.invoices.items,
    });
  });

  it('syncs incrementally with If-Modified-Since and applies updates', async () => {
    const { fake, tenant, ledger: l, sync } = await setup();
    fake.seedInvoices(tenant, 40);
    await sync();
    const newest = Math.max(...tenant.Invoices.map((i) => Number(/\d+/.exec(String(i.UpdatedDateUTC))![0])));
    const later = new Date(newest + 3_600_000);
    fake.seedInvoices(tenant, 5, { start: later });
    const paid = tenant.Invoices[3]!;
    Object.assign(paid, {
      Status: 'PAID',
      AmountDue: 0,
      AmountPaid: paid.Total,
      UpdatedDateUTC: msDate(new Date(later.getTime() + 60_000)),
      FullyPaidOnDate: msDate('2026-06-20T00:00:00Z'),
    });
    fake.requests.length = 0;
    const result = await sync();
    const first = fake.requests.find((r) => r.path === '/Invoices')!;
    const since = Date.parse(first.headers['if-modified-since']!);
    expect(newest - since).toBeGreaterThanOrEqual(0);
    expect(newest - since).toBeLessThanOrEqual(5 * 60_000 + 1000);
    expect(result.invoices.items).toBeLessThan(20);
    expect(await invoiceCount(l.id)).toBe(45);
    const [row] = await database.db
      .select()
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.externalId, String(paid.InvoiceID))));
    expect(row).toMatchObject({ status: 'paid', amountDue: '0.0000' });
  });

  it('does not skip records that change while a backfill is paging', async () => {
    const { fake, tenant, ledger: l, connector, ctx } = await setup();
    fake.seedInvoices(tenant, 2500);
    const c = await connector();
    let pages = 0;
    const mutating = Object.assign(Object.create(c) as XeroConnector, {
      page: async (...args: Parameters<XeroConnector['page']>) => {
        const page = await c.page(...args);
        if (args[1] === 'invoices' && ++pages === 1) {
          // Five early invoices change (moving to the end of the order) after page 1 was read.
          for (const inv of tenant.Invoices.slice(10, 15)) inv.UpdatedDateUTC = msDate('2027-01-01T00:00:00Z');
        }
        return page;
      },
    });
    await syncLedger({ ctx, input: { ledgerId: l.id } }, mutating);
    expect(await invoiceCount(l.id)).toBe(2500);
  });

  it('keeps the newer version when an older one arrives later (out of order)', async () => {
    const { fake, tenant, ledger: l, connector, ctx } = await setup();
    fake.seedInvoices(tenant, 1);
    const inv = tenant.Invoices[0]!;
    const c = await connector();
    Object.assign(inv, { Status: 'PAID', AmountDue: 0, UpdatedDateUTC: msDate('2026-07-02T00:00:00Z') });
    const newer = (await c.fetchOne(tenant.tenantId, 'invoices', String(inv.InvoiceID)))!;
    Object.assign(inv, { Status: 'AUTHORISED', AmountDue: 115, UpdatedDateUTC: msDate('2026-07-01T00:00:00Z') });
    const older = (await c.fetchOne(tenant.tenantId, 'invoices', String(inv.InvoiceID)))!;
    const { upsertRecords } = await import('../../src/services/mirror.ts');
    await upsertRecords(database.db, { firmId: ctx.firmId, ledgerId: l.id }, 'invoices', [newer]);
    await upsertRecords(database.db, { firmId: ctx.firmId, ledgerId: l.id }, 'invoices', [older]);
    const [row] = await database.db.select().from(invoice).where(eq(invoice.ledgerId, l.id));
    expect(row!.status).toBe('paid');
  });
});

describe('Xero API resilience', () => {
  it('waits out a 429 for Retry-After seconds, then succeeds', async () => {
    const { fake, tenant, ledger: l, sync, limiterClock } = await setup();
    fake.seedInvoices(tenant, 10);
    fake.fail(/^\/Invoices$/, 429, { headers: { 'Retry-After': '7', 'X-Rate-Limit-Problem': 'minute' } });
    const before = limiterClock.now();
    await sync();
    expect(limiterClock.now() - before).toBeGreaterThanOrEqual(7_000);
    expect(await invoiceCount(l.id)).toBe(10);
  });

  it('retries 500s with backoff and surfaces a typed error when they persist', async () => {
    const { fake, tenant, ledger: l, sync, connector } = await setup();
    fake.seedInvoices(tenant, 3);
    fake.fail(/^\/Invoices$/, 500, { times: 2 });
    await sync();
    expect(await invoiceCount(l.id)).toBe(3);
    fake.fail(/^\/Contacts$/, 503, { times: 100 });
    const err = await (await connector()).page(tenant.tenantId, 'contacts', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true, status: 503 });
  });

  it('does not retry a validation error and keeps the provider code', async () => {
    const { fake, tenant, connector } = await setup();
    fake.fail(/^\/Invoices$/, 400, {
      body: { ErrorNumber: 10, Type: 'ValidationException', Message: 'A validation exception occurred' },
    });
    const calls = fake.apiCalls;
    const err = await (await connector()).page(tenant.tenantId, 'invoices', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'validation', retryable: false, providerCode: 'ValidationException' });
    expect(fake.apiCalls - calls).toBe(1);
  });

  it('reads the online invoice link and writes history notes', async () => {
    const { fake, tenant, connector } = await setup();
    fake.seedInvoices(tenant, 2);
    const c = await connector();
    const id = String(tenant.Invoices[0]!.InvoiceID);
    expect(await c.onlineInvoiceUrl(tenant.tenantId, id)).toMatch(/^https:\/\/in\.xero\.com\//);
    tenant.Invoices[1]!.Status = 'DRAFT';
    expect(await c.onlineInvoiceUrl(tenant.tenantId, String(tenant.Invoices[1]!.InvoiceID))).toBeNull();
    await c.addInvoiceNote(tenant.tenantId, id, 'overdue: reminder 1 sent to accounts@example.com');
    expect(tenant.history.get(id)).toEqual(['overdue: reminder 1 sent to accounts@example.com']);
  });

  it('writes one history record per note, each within the 250 characters Xero keeps, under one Idempotency-Key', async () => {
    const { fake, tenant, connector } = await setup();
    fake.seedInvoices(tenant, 1);
    const c = await connector();
    const id = String(tenant.Invoices[0]!.InvoiceID);
    const long = `overdue: reminder "Invoice INV-0001 is overdue" emailed to ${Array.from({ length: 12 }, (_, i) => `ap${i}@customer.example`).join(', ')}`;
    expect(long.length).toBeGreaterThan(250);
    await c.addInvoiceNote(tenant.tenantId, id, `overdue: reminder 1 sent\n${long}`, 'note-1');
    const written = tenant.history.get(id)!;
    expect(written).toHaveLength(2);
    expect(written[0]).toBe('overdue: reminder 1 sent');
    expect(written[1]).toHaveLength(250);
    expect(written[1]!.endsWith('…')).toBe(true);
    expect(fake.requests.at(-1)!.headers['idempotency-key']).toBe('note-1');
    // A retry of the same write (the answer was lost) is recognised by Xero: nothing is added.
    await c.addInvoiceNote(tenant.tenantId, id, `overdue: reminder 1 sent\n${long}`, 'note-1');
    expect(tenant.history.get(id)).toHaveLength(2);
  });
});

describe('Xero tokens', () => {
  it('50 concurrent calls with an expired token, from two processes, cause exactly one refresh', async () => {
    const { fake, tenant, connection: conn, deps, ledger: l, otherProcess } = await setup();
    fake.seedInvoices(tenant, 1);
    const id = String(tenant.Invoices[0]!.InvoiceID);
    await expireAccessToken(database.db, conn.id);
    // The second "process" has its own integrations and, on Postgres, its own connection pool.
    const second =
      database.kind === 'postgres'
        ? await openDatabase({ url: database.url, pgliteDir: ':memory:', maxConnections: 10 })
        : database;
    const other =
      second === database
        ? otherProcess()
        : createIntegrations({
            config: deps.config,
            db: second.db,
            cipher: deps.cipher,
            clock: deps.clock,
            logger: deps.logger,
            random: () => 0.5,
          });
    const a = deps.integrations.port('xero').connector(conn.id, l);
    const b = other.port('xero').connector(conn.id, l);
    const before = fake.tokenCalls.refresh_token;
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).fetchOne(tenant.tenantId, 'invoices', id)),
    );
    if (second !== database) await second.close();
    expect(results.every((r) => r?.externalId === id)).toBe(true);
    expect(fake.tokenCalls.refresh_token - before).toBe(1);
    // The stored refresh token is the newest one issued: it still works.
    await expireAccessToken(database.db, conn.id);
    expect(await a.fetchOne(tenant.tenantId, 'invoices', id)).not.toBeNull();
    expect(fake.tokenCalls.refresh_token - before).toBe(2);
  });

  it('invalid_grant marks the connection and its ledgers needs_reconnect and stops calls', async () => {
    const { fake, tenant, connection: conn, deps, ledger: l } = await setup();
    fake.seedInvoices(tenant, 1);
    fake.revokeUser('xu-1');
    await expireAccessToken(database.db, conn.id);
    const c = deps.integrations.port('xero').connector(conn.id, l);
    const err = await c.page(tenant.tenantId, 'invoices', {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'invalid_grant' });
    const [after] = await database.db.select().from(connection).where(eq(connection.id, conn.id));
    expect(after!.status).toBe('needs_reconnect');
    const [lr] = await database.db.select().from(ledger).where(eq(ledger.id, l.id));
    expect(lr!.status).toBe('needs_reconnect');
    const tokenCalls = fake.tokenCalls.refresh_token;
    await expect(c.page(tenant.tenantId, 'invoices', {})).rejects.toMatchObject({ code: 'invalid_grant' });
    expect(fake.tokenCalls.refresh_token).toBe(tokenCalls);
    await expect(deps.integrations.resolve(lr!)).rejects.toMatchObject({ code: 'precondition_failed' });
    expect(deps.logger.lines.join('\n')).not.toMatch(/xat_|xrt_/);
  });

  it('a token that dies early (401) is refreshed once and the call retried', async () => {
    const { fake, tenant, connection: conn, deps, ledger: l } = await setup();
    fake.seedInvoices(tenant, 1);
    fake.fail(/^\/Invoices$/, 401, { body: { Type: 'AuthenticationUnsuccessful' } });
    const page = await deps.integrations.port('xero').connector(conn.id, l).page(tenant.tenantId, 'invoices', {});
    expect(page.items).toHaveLength(1);
    expect(fake.tokenCalls.refresh_token).toBe(1);
  });
});
