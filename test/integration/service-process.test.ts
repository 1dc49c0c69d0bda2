import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { contact, invoice, ledger, riskScore } from '../../src/db/schema/index.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/db.ts';
import { startService } from '../support/process.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * The embedded default as a user runs it: start, ready, demo ledger mirrored, SIGTERM, restart,
 * data still there. On Postgres the same, against a fresh database.
 */
let dataDir: string;
let pg: TestDatabase | undefined;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'overdue-proc-'));
  if (onPostgres()) pg = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await pg?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  DATA_DIR: dataDir,
  ...(pg && pg.kind === 'postgres' ? { DATABASE_URL: pg.url, DEMO_LEDGER: 'true' } : {}),
});

/** Customers with a risk score, of all customers: sync's changes are scored as they arrive. */
async function scored(db: TestDatabase['db']) {
  const c = await db.select({ n: count() }).from(contact);
  const s = await db.select({ n: count() }).from(riskScore).where(eq(riskScore.subjectType, 'contact'));
  return { contacts: c[0]!.n, scoredContacts: s[0]!.n };
}

async function counts() {
  if (pg) {
    const l = await pg.db.select({ n: count() }).from(ledger).where(eq(ledger.provider, 'demo'));
    const i = await pg.db.select({ n: count() }).from(invoice);
    return { ledgers: l[0]!.n, invoices: i[0]!.n, ...(await scored(pg.db)) };
  }
  const local = await openDatabase({ pgliteDir: join(dataDir, 'pglite') });
  try {
    const l = await local.db.select({ n: count() }).from(ledger).where(eq(ledger.provider, 'demo'));
    const i = await local.db.select({ n: count() }).from(invoice);
    return { ledgers: l[0]!.n, invoices: i[0]!.n, ...(await scored(local.db)) };
  } finally {
    await local.close();
  }
}

describe('service process', () => {
  // The 10 s start-up goal (first start on a fresh machine) is measured by bench/startup.ts and
  // by the newcomer run, on an otherwise idle host. Here, beside the rest of the suite on shared
  // cores, the bound only says the service becomes ready on its own rather than hanging.
  it('becomes ready, mirrors the demo ledger, and keeps data across SIGTERM and restart', async () => {
    const first = await startService(env());
    await waitUntil(
      async () => (await fetch(`http://127.0.0.1:${first.port}/readyz`).catch(() => null))?.status === 200,
      { what: '/readyz to answer 200', everyMs: 100 },
    );
    const synced = await first.waitForLog('ledger synced', 30_000);
    const invoicesSynced = (synced.result as { invoices: { items: number } }).invoices.items;
    expect(invoicesSynced).toBeGreaterThan(500);

    const firstExit = await first.stop('SIGTERM');
    if (firstExit !== 0) console.log(first.lines.join('\n'));
    expect(firstExit).toBe(0);
    expect(first.lines.some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    const afterFirst = await counts();
    expect(afterFirst).toMatchObject({ ledgers: 1, invoices: invoicesSynced, contacts: 40, scoredContacts: 40 });

    const second = await startService(env());
    expect((await fetch(`http://127.0.0.1:${second.port}/readyz`)).status).toBe(200);
    const demo = await second.waitForLog('demo ledger ready');
    expect(demo.created).toBe(false);
    await second.waitForLog('ledger synced', 30_000);
    expect(await second.stop('SIGTERM')).toBe(0);
    const afterSecond = await counts();
    expect(afterSecond.ledgers).toBe(1);
    expect(afterSecond.invoices).toBeGreaterThanOrEqual(invoicesSynced);
  }, 120_000);

  it('refuses to start on bad configuration with one clear line', async () => {
    await expect(startService({ ...env(), PORT: 'eighty' })).rejects.toThrow(/invalid configuration: PORT/);
  });
});
