import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { captureMailer } from '../../src/notify/mailer.ts';
import { deliverDueCases, MAX_DELIVERY_ATTEMPTS } from '../../src/services/handoff/deliver.ts';
import { agencyServer } from '../support/agency.ts';
import { freshDatabasePerTest } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { signedIn } from '../support/session.ts';

/**
 * A case someone approved is not "awaiting approval" while it is being sent, nor when the agency
 * could not be reached: every view says which, and only unapproved cases offer approval.
 */
const fresh = freshDatabasePerTest();

async function setup() {
  const w = await reminderWorld(fresh.database.db);
  const server = await agencyServer();
  fresh.cleanups.push(server.close);
  const deps = await testDeps(fresh.database, { clock: w.clock });
  const app = createApp(deps);
  const owner = await signedIn(fresh.database.db, w.firm.id, 'owner');
  const call = async (method: string, path: string, body?: unknown) =>
    (
      await app.request(`/api/v1${path}`, {
        method,
        headers: { cookie: owner.cookie, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      })
    ).json();
  const page = async (path: string) => (await app.request(path, { headers: { cookie: owner.cookie } })).text();
  const agency = await call('POST', '/agencies', {
    name: 'Kiwi Recoveries',
    delivery: { method: 'webhook', url: server.url },
    commissionRate: '0.25',
    minAmount: '100',
    fieldAllowList: ['debtor.name', 'invoices'],
    dpaReference: 'DPA-2026-014',
  });
  const openCase = async () => {
    const c = await makeContact(fresh.database.db, w.ledger);
    await makeInvoice(fresh.database.db, c, { dueDate: '2026-08-01', total: '900.0000', amountDue: '900.0000' });
    const h = await call('POST', '/handoffs', { contactId: c.id, agencyId: agency.id });
    return { contactId: c.id as string, id: h.id as string };
  };
  const delivery = { ...w.deps, cipher: deps.cipher, mailer: captureMailer, mailFrom: 'cases@overdue.example.com' };
  const stageOf = async (id: string) => (await call('GET', `/handoffs/${id}`)).stage;
  const listed = async (stage: string) =>
    ((await call('GET', `/handoffs?stage=${stage}`)).cases as { id: string }[]).map((h) => h.id);
  return { ...w, server, call, page, openCase, delivery, stageOf, listed };
}

describe('hand-off stages say what is happening', () => {
  it('waiting, approved and being sent, undelivered, sent: in the API, the portfolio and the customer page', async () => {
    const s = await setup();
    const waiting = await s.openCase();
    const failing = await s.openCase();
    expect(await s.stageOf(waiting.id)).toBe('awaiting_approval');
    await s.call('POST', `/handoffs/${failing.id}/approve`);
    s.server.fail(500);
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 0, failed: 1 });
    expect(await s.stageOf(failing.id)).toBe('approved');
    expect(await s.listed('awaiting_approval')).toEqual([waiting.id]);
    expect(await s.listed('approved')).toEqual([failing.id]);
    // The portfolio offers approval for the waiting case only.
    const portfolio = await s.page('/');
    expect(portfolio).toContain(`/ui/handoffs/${waiting.id}/approve`);
    expect(portfolio).not.toContain(`/ui/handoffs/${failing.id}/approve`);
    expect(await s.page(`/customers/${failing.contactId}`)).toContain(
      'approved, being sent to the agency, NZ$900.00 with Kiwi Recoveries (agency answered HTTP 500)',
    );
    expect(await s.page(`/customers/${waiting.contactId}`)).toContain('awaiting approval, NZ$900.00');

    // Retries spent: the case waits for a person to resend it, and says so.
    s.server.fail(...Array(MAX_DELIVERY_ATTEMPTS - 1).fill(500));
    for (let k = 0; k < MAX_DELIVERY_ATTEMPTS; k++) {
      s.clock.advance(5 * 3600_000);
      await deliverDueCases(s.delivery);
    }
    expect(await s.stageOf(failing.id)).toBe('undelivered');
    expect(await s.listed('undelivered')).toEqual([failing.id]);
    expect(await s.page(`/customers/${failing.contactId}`)).toContain(
      'approved, but the agency could not be reached: resend it',
    );
    await s.call('POST', `/handoffs/${failing.id}/redeliver`);
    expect(await deliverDueCases(s.delivery)).toEqual({ delivered: 1, failed: 0 });
    expect(await s.stageOf(failing.id)).toBe('sent');
    expect(await s.page(`/customers/${failing.contactId}`)).toContain('sent to the agency, NZ$900.00');
  });
});
