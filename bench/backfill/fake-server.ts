import { createServer } from 'node:http';
import { getResponse } from 'msw';
import { QuickBooksFake } from '../../test/support/quickbooks/fake.ts';
import { XeroFake } from '../../test/support/xero/fake.ts';

/**
 * The provider's side of a backfill benchmark, in its own process: the test fake of Xero or
 * QuickBooks Online (their real page sizes and envelopes, built on the official examples) served
 * over HTTP on loopback, so the process being measured holds none of the provider's data.
 * The original URL travels in `x-original-url` (bench/backfill/forward.ts sets it).
 * Usage: fake-server.ts xero|quickbooks INVOICES CONTACTS; prints `READY <port>`.
 */
const [provider, invoicesArg, contactsArg] = process.argv.slice(2);
const INVOICES = Number(invoicesArg);
const CONTACTS = Number(contactsArg);
export const REALM = '9130350000000099';

function xero() {
  const fake = new XeroFake();
  fake.addUser('bench', 'bench@example.com');
  const tenant = fake.addTenant('bench', 'Bench Ltd');
  fake.seedInvoices(tenant, INVOICES, { stepMs: 1000 });
  // Each customer owes several invoices, spread through the listing as in a real ledger.
  if (CONTACTS > 0)
    tenant.Invoices.forEach((inv, i) => {
      (inv as { Contact: Record<string, unknown> }).Contact = {
        ContactID: `c-${i % CONTACTS}`,
        Name: `Customer ${i % CONTACTS}`,
      };
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
    setup: () => ({
      grant: fake.grant('bench'),
      tenantId: tenant.tenantId,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
    }),
  };
}

function quickbooks() {
  const fake = new QuickBooksFake();
  fake.addRealm(REALM);
  fake.seedInvoices(REALM, INVOICES);
  for (const inv of fake.realms.get(REALM)!.Invoice) delete (inv as Record<string, unknown>).Line;
  return {
    handlers: fake.handlers(),
    calls: () => fake.apiCalls,
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
