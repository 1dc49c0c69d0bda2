import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, inArray } from 'drizzle-orm';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reminder, webhookEvent } from '../../src/db/schema/index.ts';
import { type Database, openDatabase } from '../../src/db/client.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { servePglite } from '../support/pglite-wire.ts';
import { TEST_KEY } from '../support/deps.ts';
import { makeContact, makeFirm, makeLedger } from '../support/factories.ts';
import { smtpSink } from '../support/reminders.ts';
import { sign, webhookEnv, XERO_KEY, xeroBatch } from '../support/webhooks/deliver.ts';
import { storedBodies } from '../support/webhooks/stored.ts';
import { storeDelivery } from '../../webhooks/inbox.ts';
import { parseXeroDelivery } from '../../connectors/xero/webhook.ts';
import { createApiToken } from '../../src/services/sessions.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * The bundle `npm run build:worker` makes, run in workerd (Miniflare) through a local Hyperdrive
 * binding, with the JOBS queue consumed by the same Worker. A Worker only ever talks to Postgres
 * over the wire: with DATABASE_URL that is the server; on the embedded default it is the test's
 * PGlite behind pglite-socket, which speaks the same protocol, so both passes run this suite.
 */
const ROOT = new URL('../..', import.meta.url).pathname;

/** The database as the test reads and writes it: on PGlite, through the socket like the Worker. */
let database: Database;
let originDb: TestDatabase;
let mf: Miniflare;
let out: string;
let sink: Awaited<ReturnType<typeof smtpSink>>;
let origin: Awaited<ReturnType<typeof servePglite>> | undefined;

const withPassword = (url: string) => {
  const u = new URL(url);
  if (!u.password) u.password = 'local';
  return u.toString();
};

describe('the bundled Worker in workerd', () => {
  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), 'overdue-worker-'));
    execFileSync(join(ROOT, 'node_modules/.bin/wrangler'), ['deploy', '--dry-run', '--outdir', out], {
      cwd: ROOT,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      stdio: 'pipe',
    });
    originDb = await createTestDatabase();
    let url: string;
    if (originDb.kind === 'postgres') {
      url = originDb.url;
      database = originDb;
    } else {
      // The Worker's driver keeps a small pool: servePglite multiplexes it onto one PGlite.
      // The test's own statements take the same road: PGlite has one session, and a statement
      // sent to it directly would land inside whatever transaction a Worker connection has open.
      origin = await servePglite(originDb.pglite);
      url = origin.url;
      database = await openDatabase({ url, pgliteDir: ':memory:', maxConnections: 2 });
    }
    sink = await smtpSink();
    mf = new Miniflare({
      modules: true,
      scriptPath: join(out, 'worker.js'),
      modulesRoot: out,
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: {
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        ENCRYPTION_KEYS: `test:${TEST_KEY}`,
        SMTP_URL: sink.url,
        MAIL_FROM: 'team@overdue.example.com',
        ...webhookEnv,
      },
      // Miniflare insists on a password; both origins trust local connections anyway.
      hyperdrives: { HYPERDRIVE: withPassword(url) },
      queueProducers: { JOBS: 'overdue-jobs' },
      queueConsumers: { 'overdue-jobs': { maxBatchSize: 10, maxBatchTimeout: 1 } },
    });
    await mf.ready;
  }, 120_000);

  afterAll(async () => {
    await mf?.dispose();
    await sink?.close();
    if (database !== originDb) await database?.close();
    await origin?.close();
    await originDb?.drop();
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('serves /healthz and /readyz from the same app', async () => {
    expect((await mf.dispatchFetch('http://localhost/healthz')).status).toBe(200);
    const ready = await mf.dispatchFetch('http://localhost/readyz');
    expect(await ready.json()).toEqual({ ok: true, database: true, migrations: true, providers: [] });
  });

  it('stores a signed Xero webhook in the inbox and processes it from the queue; a bad signature is 401', async () => {
    // A tenant with a ledger but no usable grant: processing runs and fails the fetch, to retry later.
    await makeLedger(database.db, (await makeFirm(database.db)).id, {
      provider: 'xero',
      externalId: 'tenant-without-grant',
    });
    const body = xeroBatch([
      { tenantId: 'tenant-without-grant', resourceId: '0b7e9a64-0000-4000-8000-000000000001' },
      { tenantId: 'tenant-nobody-knows' },
    ]);
    const ok = await mf.dispatchFetch('http://localhost/webhooks/xero', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-xero-signature': sign(XERO_KEY, body) },
      body,
    });
    expect(ok.status).toBe(200);
    const eventFor = async (accountRef: string) =>
      (await database.db.select().from(webhookEvent).where(eq(webhookEvent.accountRef, accountRef)))[0];
    expect(await eventFor('tenant-without-grant')).toMatchObject({ provider: 'xero', entity: 'invoice' });
    // An unknown tenant's event is settled on receipt, never processed.
    expect(await eventFor('tenant-nobody-knows')).toMatchObject({
      status: 'ignored',
      error: expect.stringMatching(/unknown tenant/),
    });
    // The queue consumer ran processInbox: the fetch failed, so the event waits for its retry.
    const failed = await waitUntil(async () => {
      const e = await eventFor('tenant-without-grant');
      return e?.status === 'failed' ? e : undefined;
    });
    expect(failed).toMatchObject({ attempts: 1, error: expect.any(String) });

    const before = (await storedBodies(database.db)).length;
    const forged = await mf.dispatchFetch('http://localhost/webhooks/xero', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-xero-signature': sign('not-the-key', body) },
      body,
    });
    expect(forged.status).toBe(401);
    expect((await storedBodies(database.db)).length).toBe(before);
  });

  it('sends mail over SMTP from the Worker (an invitation through the API)', async () => {
    const firm = await makeFirm(database.db, 'Worker Books');
    const { token } = await createApiToken(database.db, firm.id, 'ops', ['admin']);
    const res = await mf.dispatchFetch('http://localhost/api/v1/invites', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'new.person@books.example', role: 'viewer' }),
    });
    expect(res.status).toBe(201);
    const mail = await waitUntil(async () => sink.received[0]);
    expect(mail.envelopeTo).toEqual(['new.person@books.example']);
    expect(mail.subject).toBe('You are invited to Worker Books on overdue');
  });

  it('purges settled webhook events past the retention period on the 15-minute Cron Trigger', async () => {
    const store = async (tenantId: string, daysAgo: number) => {
      const body = new TextEncoder().encode(xeroBatch([{ tenantId }]));
      const parsed = parseXeroDelivery(body);
      if (parsed.kind !== 'events') throw new Error('test body does not parse');
      await storeDelivery(database, {
        provider: 'xero',
        body,
        headers: {},
        events: parsed.events,
        now: new Date(Date.now() - daysAgo * 86_400_000),
      });
    };
    // Accounts nobody connected: their events are settled (ignored) on receipt.
    await store('purge-me', 91);
    await store('keep-me', 89);
    const worker = (await mf.getWorker()) as unknown as {
      scheduled(o: { cron: string }): Promise<{ outcome: string }>;
    };
    expect((await worker.scheduled({ cron: '*/15 * * * *' })).outcome).toBe('ok');
    const left = await database.db
      .select({ accountRef: webhookEvent.accountRef })
      .from(webhookEvent)
      .where(inArray(webhookEvent.accountRef, ['purge-me', 'keep-me']));
    expect(left).toEqual([{ accountRef: 'keep-me' }]);
  });

  it('runs the reminder tick on its Cron Trigger', async () => {
    const firm = await makeFirm(database.db);
    const l = await makeLedger(database.db, firm.id, { externalId: 'worker-ledger' });
    const c = await makeContact(database.db, l);
    // Two reminders left mid-send 20 minutes ago by a crashed run: one had reached the mail server
    // (needs_review), one had not (retried at once; it covers no invoice, so it is cancelled).
    const stuck = {
      firmId: firm.id,
      ledgerId: l.id,
      contactId: c.id,
      dueAt: new Date(Date.now() - 3600_000),
      status: 'sending' as const,
      attempts: 1,
      updatedAt: new Date(Date.now() - 20 * 60_000),
    };
    const [begun, notBegun] = await database.db
      .insert(reminder)
      .values([
        { ...stuck, stepKey: 'post+3', sendStartedAt: new Date(Date.now() - 20 * 60_000) },
        { ...stuck, stepKey: 'post+10' },
      ])
      .returning();
    const worker = (await mf.getWorker()) as unknown as {
      scheduled(o: { cron: string }): Promise<{ outcome: string }>;
    };
    const result = await worker.scheduled({ cron: '* * * * *' });
    expect(result.outcome).toBe('ok');
    const status = async (id: string) => (await database.db.select().from(reminder).where(eq(reminder.id, id)))[0]!;
    expect((await status(begun!.id)).status).toBe('needs_review');
    expect(await status(notBegun!.id)).toMatchObject({ status: 'cancelled', statusReason: 'no invoice left to chase' });
  });
});
