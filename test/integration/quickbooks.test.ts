import { and, count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QuickBooksConnector } from '../../connectors/quickbooks/connector.ts';
import { connection, invoice, ledger, syncCursor } from '../../src/db/schema/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { expireAccessToken } from '../support/factories.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';

const server = useMsw();
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const setup = (realmId?: string) => quickBooksSetup(database, server, realmId);

const invoices = async (ledgerId: string) => database.db.select().from(invoice).where(eq(invoice.ledgerId, ledgerId));

describe('QuickBooks connect', () => {
  it('sends the user to Intuit with the accounting scope and a single-use state', async () => {
    const { app, user } = await setup();
    const res = await app.request('/connect/quickbooks', { headers: { cookie: user.cookie } });
    const url = new URL(res.headers.get('location')!);
    expect(url.origin + url.pathname).toBe('https://appcenter.intuit.com/connect/oauth2');
    expect(url.searchParams.get('scope')!.split(' ')).toContain('com.intuit.quickbooks.accounting');
    expect(url.searchParams.get('redirect_uri')).toBe('https://overdue.example.com/callback/quickbooks');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]{43}$/);
  });

  it('creates one ledger per realm and reconnecting the realm updates it, never duplicates', async () => {
    const { connect, firm, deps, fake } = await setup();
    expect((await connect()).status).toBe(302);
    const res = await connect();
    expect(res.headers.get('location')).toBe('/?connected=quickbooks&ledgers=1&added=0');
    const ledgers = await database.db.select().from(ledger).where(eq(ledger.firmId, firm.id));
    expect(ledgers).toHaveLength(1);
    expect(ledgers[0]).toMatchObject({
      provider: 'quickbooks',
      externalId: '9130350000000001',
      name: 'Riverside Joinery',
      baseCurrency: 'USD',
      timezone: 'America/New_York',
    });
    expect(await database.db.select().from(connection).where(eq(connection.firmId, firm.id))).toHaveLength(1);
    const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, firm.id));
    // The five-year cap is stored so it can be warned about.
    expect(conn!.refreshHardExpiresAt!.getTime()).toBeGreaterThan(deps.clock.now().getTime() + 4 * 365 * 86_400_000);
    expect(fake.tokenCalls).toBe(2);
  });

  it('rejects a forged state with 400 and no token exchange', async () => {
    const { app, user, fake } = await setup();
    const start = await app.request('/connect/quickbooks', { headers: { cookie: user.cookie } });
    const cb = new URL(fake.consent(start.headers.get('location')!, '9130350000000001'));
    cb.searchParams.set('state', 'B'.repeat(43));
    const res = await app.request(`${cb.pathname}${cb.search}`, { headers: { cookie: user.cookie } });
    expect(res.status).toBe(400);
    expect(fake.tokenCalls).toBe(0);
  });

  it('binds the consent to this server with PKCE: an intercepted code cannot be exchanged without the verifier', async () => {
    const { app, user, fake, connect, firm } = await setup();
    const start = await app.request('/connect/quickbooks', { headers: { cookie: user.cookie } });
    const consentUrl = new URL(start.headers.get('location')!);
    expect(consentUrl.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(consentUrl.searchParams.get('code_challenge_method')).toBe('S256');
    // Someone who caught the redirect (and even holds the app's credentials) tries the code.
    const code = new URL(fake.consent(consentUrl.toString(), '9130350000000001')).searchParams.get('code')!;
    const stolen = await fetch('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer', {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${fake.clientId}:${fake.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: 'https://overdue.example.com/callback/quickbooks',
      }),
    });
    expect(stolen.status).toBe(400);
    // The server's own exchange carries the verifier it kept for the consent.
    expect((await connect()).headers.get('location')).toBe('/?connected=quickbooks&ledgers=1&added=1');
    expect(await database.db.select().from(ledger).where(eq(ledger.firmId, firm.id))).toHaveLength(1);
  });
});

describe('QuickBooks sync', () => {
  it('backfills by query pages of 1,000 at minorversion 75', async () => {
    const { fake, connect, sync, ledgerRow, realmId } = await setup();
    await connect();
    fake.seedInvoices(realmId, 2100);
    const result = await sync();
    expect(result.invoices.pages).toBe(3);
    const l = await ledgerRow();
    expect(await invoices(l.id)).toHaveLength(2100);
    expect(fake.queries.filter((q) => /from invoice/i.test(q))).toEqual([
      'select * from invoice ORDERBY Id STARTPOSITION 1 MAXRESULTS 1000',
      'select * from invoice ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000',
      'select * from invoice ORDERBY Id STARTPOSITION 2001 MAXRESULTS 1000',
    ]);
    const [cur] = await database.db
      .select()
      .from(syncCursor)
      .where(and(eq(syncCursor.ledgerId, l.id), eq(syncCursor.resource, 'invoices')));
    expect(cur).toMatchObject({ pagesDone: 3, pagesEstimated: 3, backfillStatus: 'done' });
    expect([...fake.minorVersions]).toEqual(['75']);
  });

  it('then follows Change Data Capture from the response time, including deletions', async () => {
    const { fake, connect, sync, ledgerRow, realmId, deps } = await setup();
    await connect();
    fake.seedInvoices(realmId, 5);
    fake.now = () => new Date('2026-11-19T12:00:00Z');
    await sync();
    const realm = fake.realms.get(realmId)!;
    Object.assign(realm.Invoice[0]!, { Balance: 0, MetaData: { LastUpdatedTime: '2026-11-20T09:00:00Z' } });
    const gone = realm.Invoice.splice(1, 1)[0]!;
    realm.deleted.push({
      _entity: 'Invoice',
      Id: gone.Id,
      status: 'Deleted',
      domain: 'QBO',
      MetaData: { LastUpdatedTime: '2026-11-20T09:30:00Z' },
    });
    fake.now = () => new Date('2026-11-20T10:00:00Z');
    await sync();
    const since = fake.cdcCalls.find((c) => c);
    expect(Date.parse(since!)).toBe(Date.parse('2026-11-19T12:00:00Z') - 5 * 60_000);
    const l = await ledgerRow();
    const rows = await invoices(l.id);
    expect(rows.find((r) => r.externalId === realm.Invoice[0]!.Id)?.status).toBe('paid');
    expect(rows.find((r) => r.externalId === gone.Id)).toMatchObject({ status: 'deleted', amountDue: '0.0000' });
    void deps;
  });

  it('resyncs by a complete listing when the cursor is older than 30 days, finding deletions by their absence', async () => {
    const { fake, connect, sync, ledgerRow, realmId } = await setup();
    await connect();
    fake.seedInvoices(realmId, 3);
    await sync();
    const l = await ledgerRow();
    // Deleted while overdue was not listening, longer ago than CDC remembers: no CDC entry.
    const realm = fake.realms.get(realmId)!;
    realm.Invoice.splice(1, 1);
    await database.db
      .update(syncCursor)
      .set({ modifiedSince: new Date('2026-09-01T00:00:00Z') })
      .where(eq(syncCursor.ledgerId, l.id));
    fake.queries.length = 0;
    fake.cdcCalls.length = 0;
    await sync();
    expect(fake.cdcCalls).toHaveLength(0);
    expect(fake.queries.some((q) => /from invoice ORDERBY Id STARTPOSITION 1/i.test(q))).toBe(true);
    expect(fake.queries.some((q) => /from customer where Active IN \(true, false\)/i.test(q))).toBe(true);
    const rows = await invoices(l.id);
    expect(rows.map((r) => [r.externalId, r.status]).sort()).toEqual([
      ['1', 'open'],
      ['2', 'deleted'],
      ['3', 'open'],
    ]);
  });

  it('waits out the real XML throttle fault, then succeeds', async () => {
    const { fake, connect, sync, ledgerRow, realmId, limiterClock } = await setup();
    await connect();
    fake.seedInvoices(realmId, 2);
    fake.fail(/^\/query$/, 429, { body: fake.throttleXml(), type: 'application/xml' });
    const before = limiterClock.now();
    await sync();
    expect(limiterClock.now() - before).toBeGreaterThanOrEqual(60_000);
    expect(await invoices((await ledgerRow()).id)).toHaveLength(2);
  });

  it('surfaces a fault code as the typed error providerCode', async () => {
    const { fake, connect, deps, ledgerRow, realmId } = await setup();
    await connect();
    fake.fail(/^\/query$/, 400, {
      body: JSON.stringify({ Fault: { Error: [{ Message: 'Invalid query', code: '4000' }], type: 'ValidationFault' } }),
    });
    const c = (await deps.integrations.resolve(await ledgerRow())) as QuickBooksConnector;
    await expect(c.page(realmId, 'invoices', {})).rejects.toMatchObject({
      code: 'validation',
      providerCode: '4000',
      retryable: false,
    });
  });

  it('persists the newest refresh token on rotation; invalid_grant stops the ledger', async () => {
    const { fake, connect, deps, ledgerRow, realmId, firm } = await setup();
    await connect();
    fake.seedInvoices(realmId, 1);
    const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, firm.id));
    const before = await deps.cipher.decrypt(conn!.refreshToken!, conn!.id);
    await expireAccessToken(database.db, conn!.id);
    const c = (await deps.integrations.resolve(await ledgerRow())) as QuickBooksConnector;
    expect(await c.fetchOne(realmId, 'invoices', '1')).not.toBeNull();
    const [after] = await database.db.select().from(connection).where(eq(connection.id, conn!.id));
    const rotated = await deps.cipher.decrypt(after!.refreshToken!, after!.id);
    expect(rotated).not.toBe(before);
    fake.killGrant(realmId);
    await expireAccessToken(database.db, conn!.id);
    await expect(c.fetchOne(realmId, 'invoices', '1')).rejects.toMatchObject({ code: 'invalid_grant' });
    expect((await ledgerRow()).status).toBe('needs_reconnect');
  });

  it('writes notes as note-only Attachables on the invoice: its memo and its change time stay, a retry lands once', async () => {
    const { fake, connect, deps, ledgerRow, realmId } = await setup();
    await connect();
    fake.seedInvoices(realmId, 1);
    const realm = fake.realms.get(realmId)!;
    const inv = realm.Invoice[0]!;
    inv.PrivateNote = 'Deliver to back door';
    const changed = JSON.stringify(inv.MetaData);
    const c = (await deps.integrations.resolve(await ledgerRow())) as QuickBooksConnector;
    // Thirty reminders, each with a long subject: PrivateNote (4,000 characters) would be full.
    for (let i = 0; i < 30; i++)
      await c.addInvoiceNote(realmId, '1', `overdue: reminder ${i} ${'x'.repeat(150)}`, `note-${i}`);
    await c.addInvoiceNote(realmId, '1', 'overdue: reminder 0 (retried)', 'note-0');
    expect(realm.Attachable).toHaveLength(30);
    expect(realm.Attachable[0]).toMatchObject({
      Note: expect.stringMatching(/^overdue: reminder 0 x+$/),
      AttachableRef: [{ EntityRef: { type: 'Invoice', value: '1' }, IncludeOnSend: false }],
      requestId: 'note-0',
    });
    expect(inv.PrivateNote).toBe('Deliver to back door');
    expect(JSON.stringify(inv.MetaData)).toBe(changed);
    // Intuit keeps 2,000 characters of a note: a longer one is cut, never refused.
    await c.addInvoiceNote(realmId, '1', 'y'.repeat(2500), 'long');
    expect(String(realm.Attachable.at(-1)!.Note)).toHaveLength(2000);
    expect(await c.onlineInvoiceUrl(realmId, '1')).toMatch(/^https:\/\/connect\.intuit\.com\//);
  });

  it('disconnect revokes at Intuit and keeps data read-only', async () => {
    const { fake, connect, app, user, firm, sync, realmId, ledgerRow } = await setup();
    await connect();
    fake.seedInvoices(realmId, 2);
    await sync();
    const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, firm.id));
    const res = await app.request(`/api/v1/connections/${conn!.id}/disconnect`, {
      method: 'POST',
      headers: { cookie: user.cookie },
    });
    expect(res.status).toBe(200);
    expect(fake.revoked).toHaveLength(1);
    const l = await ledgerRow();
    expect(l.status).toBe('disconnected');
    expect((await database.db.select({ n: count() }).from(invoice).where(eq(invoice.ledgerId, l.id)))[0]!.n).toBe(2);
  });
});
