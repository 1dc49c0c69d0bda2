import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { invoice, webhookEvent } from '../../src/db/schema/index.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { deliver, webhookEnv } from '../support/webhooks/deliver.ts';
import { inboxDepsFor } from '../support/webhooks/inbox.ts';
import { copiesOf } from '../support/webhooks/stored.ts';

/**
 * Intuit sends up to 100 CloudEvents in one body (issue 28, "QuickBooks CDC" bullet). One event the
 * parser cannot take used to quarantine the whole body: the 99 others (a payment among them) were
 * never processed, and the reminder for the paid invoice went out. Event ids are unique within
 * their `source` only.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const REALM = '9130350000000201';
const event = (over: Record<string, unknown>) => ({
  specversion: '1.0',
  id: crypto.randomUUID(),
  source: 'intuit.test',
  type: 'qbo.invoice.updated.v1',
  time: '2026-11-20T09:00:00Z',
  intuitentityid: '1',
  intuitaccountid: REALM,
  ...over,
});

async function realm() {
  const q = await quickBooksSetup(database, server, REALM, {
    QUICKBOOKS_WEBHOOK_VERIFIER: webhookEnv.QUICKBOOKS_WEBHOOK_VERIFIER,
  });
  await q.connect();
  q.fake.seedInvoices(REALM, 2);
  await q.sync();
  const post = (events: unknown[]) =>
    deliver(q.app, 'quickbooks', JSON.stringify(events), { contentType: 'application/cloudevents+json' });
  const key = { provider: 'quickbooks' as const, accountRef: REALM };
  return { ...q, post, key, ...inboxDepsFor(q.deps) };
}

describe('a CloudEvents batch is validated event by event', () => {
  it('the valid events of a mixed batch are stored and processed; the others are reported, the body kept', async () => {
    const q = await realm();
    const invoices = q.fake.realms.get(REALM)!.Invoice;
    Object.assign(invoices[0]!, { Balance: 0, MetaData: { LastUpdatedTime: '2026-11-20T09:00:00Z' } });
    const events = [
      event({ intuitentityid: '1' }),
      event({ type: 'qbo.invoice' }),
      event({ intuitentityid: undefined }),
      event({ intuitentityid: '2' }),
    ];
    const res = await q.post(events);
    expect(res.status).toBe(200);
    const stored = await database.db.select().from(webhookEvent);
    expect(stored.map((e) => e.entityId).sort()).toEqual(['1', '2']);
    const [kept] = await copiesOf(database.db, JSON.stringify(events));
    expect(kept).toMatchObject({ where: 'delivery', status: 'received', eventCount: 2 });
    expect(kept!.error).toMatch(/^2 of 4 events rejected: event 1: type: .*; event 2: intuitentityid: /);
    expect(q.deps.logger.lines.some((l) => l.includes('webhook events rejected'))).toBe(true);
    expect(await processInbox(q.inbox, q.key)).toMatchObject({ processed: 2, failed: 0 });
    const l = await q.ledgerRow();
    const [paid] = await database.db
      .select()
      .from(invoice)
      .where(and(eq(invoice.ledgerId, l.id), eq(invoice.externalId, '1')));
    expect(paid).toMatchObject({ status: 'paid' });
  });

  it('a batch with no valid event is quarantined whole, as before', async () => {
    const q = await realm();
    const events = [event({ type: 'nonsense' })];
    expect((await q.post(events)).status).toBe(200);
    expect(await database.db.select().from(webhookEvent)).toHaveLength(0);
    const [kept] = await copiesOf(database.db, JSON.stringify(events));
    expect(kept).toMatchObject({ status: 'quarantined', eventCount: 0 });
  });

  it('dedupes on source and id: the same id from two sources is two events, a repeat is one', async () => {
    const q = await realm();
    const a = event({ id: 'evt-1', source: 'intuit.a' });
    const b = event({ id: 'evt-1', source: 'intuit.b', intuitentityid: '2' });
    expect((await q.post([a, b])).status).toBe(200);
    expect((await q.post([a])).status).toBe(200);
    expect((await database.db.select().from(webhookEvent)).map((e) => e.entityId).sort()).toEqual(['1', '2']);
  });
});
