import { createServer } from 'node:http';
import { getResponse } from 'msw';
import { QuickBooksFake } from '../../test/support/quickbooks/fake.ts';
import { XeroFake } from '../../test/support/xero/fake.ts';
import { XeroLimits } from '../../test/support/xero/limits.ts';

/**
 * The provider's side of a backfill benchmark, in its own process: the test fake of Xero or
 * QuickBooks Online (their real page sizes and envelopes, built on the official examples) served
 * over HTTP on loopback, so the process being measured holds none of the provider's data.
 * The original URL travels in `x-original-url` (bench/backfill/forward.ts sets it).
 * Usage: fake-server.ts xero|quickbooks INVOICES CONTACTS; prints `READY <port>`.
 * BENCH_ENFORCE_LIMITS=1 (Xero): refuses calls past Xero's limits, and reports the refusals and
 * peaks at /__bench/limits. Xero: token endpoint calls and the refresh token issued last at
 * /__bench/tokens (the four-process refresh race, test/integration/refresh-race.test.ts).
 */
const [provider, invoicesArg, contactsArg] = process.argv.slice(2);
const INVOICES = Number(invoicesArg);
const CONTACTS = Number(contactsArg);
export const REALM = '9130350000000099';

function xero() {
  const fake = new XeroFake();
  // Xero's limits enforced (429 past them) and measured, for the shared-limits benchmark.
  if (process.env.BENCH_ENFORCE_LIMITS === '1') fake.limits = new XeroLimits();
  fake.addUser('bench', 'bench@example.com');
  const tenant = fake.addTenant('bench', 'Bench Ltd');
  fake.seedInvoices(tenant, INVOICES, { stepMs: 1000 });
  // Each customer owes several invoices, spread through the listing as in a real ledger, and the
  // ledger has a history: issued over three years, most of it paid (OPEN_SHARE still open).
  if (CONTACTS > 0)
    tenant.Invoices.forEach((inv, i) => {
      shapeAsReal(inv as Record<string, unknown>, i);
    });
  // Line items are not mirrored; dropping them keeps the fake's memory to what is served.
  for (const inv of tenant.Invoices) delete (inv as Record<string, unknown>).LineItems;
  const contactTpl = {
    ContactID: '',
    Name: '',
    EmailAddress: 'ap@example.com',
    ContactStatus: 'ACTIVE',
    IsCustomer: true,
  };
  for (let i = 0; i < CONTACTS; i++) {
    tenant.Contacts.push({
      ...contactTpl,
      ContactID: `c-${i}`,
      Name: `Customer ${i}`,
      UpdatedDateUTC: `/Date(${Date.UTC(2026, 0, 1) + i * 1000}+0000)/`,
    });
  }
  return {
    handlers: fake.handlers(),
    calls: () => fake.apiCalls,
    limits: () => (fake.limits ? { refused: fake.limits.refused, peak: fake.limits.peak } : null),
    tokens: () => ({ refreshCalls: fake.tokenCalls.refresh_token, lastRefreshToken: fake.lastRefreshToken }),
    setup: () => ({
      grant: fake.grant('bench'),
      tenantId: tenant.tenantId,
      invoiceId: String(tenant.Invoices[0]?.InvoiceID ?? ''),
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
    }),
  };
}

/**
 * A real ledger's shape for invoice i of INVOICES: its customer, issued oldest first over three
 * years up to the day before the benchmark's clock (2026-11-20), due 30 days later; all but the newest OPEN_SHARE paid, each customer paying on its own
 * habit (from 10 days early to 60 days late), so scoring has a history and planning has the
 * open invoices a real ledger has, not 100,000 of them.
 */
function shapeAsReal(inv: Record<string, unknown>, i: number) {
  const day = 86_400_000;
  const c = i % CONTACTS;
  const issued = Date.UTC(2023, 10, 19) + Math.floor((i / INVOICES) * 3 * 365) * day;
  const due = issued + 30 * day;
  const total = Number(inv.Total);
  inv.Contact = { ContactID: `c-${c}`, Name: `Customer ${c}` };
  inv.Date = `/Date(${issued}+0000)/`;
  inv.DateString = new Date(issued).toISOString().slice(0, 19);
  inv.DueDate = `/Date(${due}+0000)/`;
  inv.DueDateString = new Date(due).toISOString().slice(0, 19);
  if (i >= INVOICES * (1 - OPEN_SHARE)) return;
  const paid = due + (((c * 7919) % 71) - 10 + (i % 5)) * day;
  inv.Status = 'PAID';
  inv.AmountDue = 0;
  inv.AmountPaid = total;
  inv.FullyPaidOnDate = `/Date(${paid}+0000)/`;
}
const OPEN_SHARE = Number(process.env.BENCH_OPEN_SHARE ?? 0.06);

function quickbooks() {
  const fake = new QuickBooksFake();
  fake.addRealm(REALM);
  fake.seedInvoices(REALM, INVOICES);
  for (const inv of fake.realms.get(REALM)!.Invoice) delete (inv as Record<string, unknown>).Line;
  return {
    handlers: fake.handlers(),
    calls: () => fake.apiCalls,
    limits: () => null,
    setup: () => ({
      consentUrl: fake.consent(
        'https://appcenter.intuit.com/connect/oauth2?redirect_uri=https%3A%2F%2Fx%2Fcb&state=s',
        REALM,
      ),
      realmId: REALM,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
    }),
  };
}

const fake = provider === 'xero' ? xero() : quickbooks();
const server = createServer(async (req, res) => {
  try {
    if (req.url === '/__bench/setup') return void res.end(JSON.stringify(fake.setup()));
    if (req.url === '/__bench/calls') return void res.end(JSON.stringify({ apiCalls: fake.calls() }));
    if (req.url === '/__bench/limits') return void res.end(JSON.stringify(fake.limits()));
    if (req.url === '/__bench/tokens' && 'tokens' in fake) return void res.end(JSON.stringify(fake.tokens()));
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
    const url = headers.get('x-original-url') ?? `http://localhost${req.url}`;
    const body = chunks.length && req.method !== 'GET' && req.method !== 'HEAD' ? Buffer.concat(chunks) : undefined;
    const response = await getResponse(fake.handlers, new Request(url, { method: req.method, headers, body }));
    if (!response) return void res.writeHead(404).end();
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  } catch (err) {
    res.writeHead(500).end(String((err as Error).message));
  }
});
server.listen(0, '127.0.0.1', () => console.log(`READY ${(server.address() as { port: number }).port}`));
