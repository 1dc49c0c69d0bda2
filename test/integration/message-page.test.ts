import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { message } from '../../src/db/schema/index.ts';
import { createApp } from '../../src/app.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeLedger } from '../support/factories.ts';
import { signedIn } from '../support/session.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('a message from the communication log, opened in full', () => {
  it('shows what was sent, to whom and the checks it passed; escaped; nobody else finds it', async () => {
    const app = createApp(await testDeps(database, { clock: fixedClock('2026-11-21T09:00:00Z') }));
    const firm = await makeFirm(database.db);
    const l = await makeLedger(database.db, firm.id, { name: 'Harbour Dental', timezone: 'Pacific/Auckland' });
    const c = await makeContact(database.db, l, { name: 'Kea Builders' });
    const [m] = await database.db
      .insert(message)
      .values({
        firmId: firm.id,
        ledgerId: l.id,
        contactId: c.id,
        fromAddress: 'accounts@harbour.example',
        toAddresses: ['ap@kea.example'],
        ccAddresses: ['owner@kea.example'],
        subject: 'Invoice INV-7 is now 14 days overdue',
        html: '<p>unused</p>',
        text: 'Kia ora,\nINV-7 for NZ$1,250.00 <script>alert(1)</script> is overdue.',
        templateKey: 'firm',
        templateVersion: 'builtin-1',
        gateResults: [
          { gate: 'opt_out', ok: true },
          { gate: 'send_window', ok: true, detail: '09:15 Pacific/Auckland' },
        ],
        status: 'sent',
        idempotencyKey: 'msg-page-1',
        sentAt: new Date('2026-11-20T20:15:00Z'),
      })
      .returning();
    const owner = await signedIn(database.db, firm.id);
    const page = async (cookie: string, path: string) =>
      app.request(path, { headers: { cookie, accept: 'text/html' } });

    const customer = await (await page(owner.cookie, `/customers/${c.id}`)).text();
    expect(customer).toContain(`<a href="/messages/${m!.id}">Invoice INV-7 is now 14 days overdue</a>`);
    const res = await page(owner.cookie, `/messages/${m!.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('ap@kea.example');
    expect(html).toContain('owner@kea.example');
    expect(html).toContain('sent 21 Nov 2026, 09:15 Auckland time');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('passed: send window (09:15 Pacific/Auckland)');
    expect(html).toContain('Template firm, version builtin-1');

    const stranger = await signedIn(database.db, (await makeFirm(database.db)).id);
    expect((await page(stranger.cookie, `/messages/${m!.id}`)).status).toBe(404);
    // A member given no ledgers sees none of them, this message included.
    const member = await signedIn(database.db, firm.id, 'member');
    expect((await page(member.cookie, `/messages/${m!.id}`)).status).toBe(404);
    expect((await page(owner.cookie, '/messages/not-a-uuid')).status).toBe(404);
  });
});
