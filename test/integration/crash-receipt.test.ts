import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, count, eq, ne } from 'drizzle-orm';
import { openDatabase } from '../../src/db/client.ts';
import { webhookEvent } from '../../src/db/schema/index.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { sha256 } from '../../src/lib/secrets.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/db.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';
import { startService } from '../support/process.ts';
import { waitUntil } from '../support/wait.ts';
import { sign, webhookEnv, XERO_KEY, xeroBatch } from '../support/webhooks/deliver.ts';
import { storedBodies } from '../support/webhooks/stored.ts';

/**
 * Reliability #7: a 2xx to a webhook means the delivery is durably stored. The real service takes
 * signed deliveries (half for a connected organisation, whose events are queued for processing,
 * half for unknown ones, settled on receipt) from SENDERS concurrent clients and is killed with SIGKILL at a random moment,
 * again and again until CRASH_POINTS deliveries were in flight at a kill. Each of them is a crash
 * point: the process died somewhere between reading its body and its answer leaving (reading,
 * verifying, storing, answering). After each kill, every acknowledged delivery must be in the
 * inbox; at the end the service must start again on the same data.
 *
 * How fast a busy machine answers is a benchmark's business (bench/webhook-ack.ts), not this
 * test's: each kill waits for a condition (this round has acknowledged ACKS_BEFORE_KILL
 * deliveries), then falls at a random moment, so the invariant is always checked over many
 * acknowledgements however slow the machine is.
 */
const SENDERS = 96;
const ACKS_BEFORE_KILL = 10;
/**
 * And this many for the connected organisation, so every round exercises the queued path whatever
 * the machine's speed: at 96 cut deliveries a kill, 11 kills or more give over 250 in all.
 */
const CONNECTED_BEFORE_KILL = 30;
const CRASH_POINTS = 1_000;
/** About 70 (Postgres) to 96 (PGlite) crash points a kill: room to spare. */
const MAX_KILLS = 30;

let dataDir: string;
let pg: TestDatabase | undefined;
/** A Xero organisation with a connected ledger: its events are queued for processing on receipt. */
const CONNECTED = randomUUID();
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'overdue-crash-'));
  if (onPostgres()) pg = await createTestDatabase({ migrate: false });
  const database = pg ?? (await openDatabase({ pgliteDir: join(dataDir, 'pglite') }));
  try {
    await runMigrations(database);
    const firm = await makeFirm(database.db);
    await makeLedger(database.db, firm.id, { provider: 'xero', externalId: CONNECTED, settings: {} });
  } finally {
    if (!pg) await database.close();
  }
});
afterAll(async () => {
  await pg?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({
  DATA_DIR: dataDir,
  DEMO_LEDGER: 'false',
  ...webhookEnv,
  ...(pg && pg.kind === 'postgres' ? { DATABASE_URL: pg.url } : {}),
});

async function storedDigests(): Promise<Set<string>> {
  const database = pg ?? (await openDatabase({ pgliteDir: join(dataDir, 'pglite') }));
  try {
    return new Set((await storedBodies(database.db)).map((b) => b.sha256));
  } finally {
    if (!pg) await database.close();
  }
}

describe('SIGKILL during webhook receipt', () => {
  it(`loses no acknowledged delivery over ${CRASH_POINTS} crash points (reliability #7)`, async () => {
    const acked = new Set<string>();
    /** Deliveries in flight when the process died: stored (died after the commit) or not. */
    const crashed = { stored: 0, notStored: 0 };
    const unexpected: string[] = [];
    let sent = 0;
    let ackedConnected = 0;
    let kills = 0;
    for (; crashed.stored + crashed.notStored < CRASH_POINTS && kills < MAX_KILLS; kills++) {
      const service = await startService(env());
      const url = `http://127.0.0.1:${service.port}/webhooks/xero`;
      let stopping = false;
      let roundAcks = 0;
      let roundConnected = 0;
      const cut: string[] = [];
      const sender = async () => {
        while (!stopping) {
          // Every other delivery is for the connected organisation (stored and queued), the rest
          // for organisations nobody connected (stored already settled).
          const body = sent++ % 2 ? xeroBatch([{ tenantId: CONNECTED }]) : xeroBatch([{ tenantId: `tenant-${sent}` }]);
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-xero-signature': sign(XERO_KEY, body) },
            body,
          }).catch(() => null);
          // Once stopping is set, the kill follows at once: a request that gets no answer was cut by
          // it. An answer sent before the kill still arrives, and counts as acknowledged.
          if (!res) (stopping ? cut : unexpected).push(sha256(body));
          else if (res.ok) {
            acked.add(sha256(body));
            if (body.includes(CONNECTED)) {
              ackedConnected++;
              roundConnected++;
            }
            roundAcks++;
          }
          await res?.arrayBuffer().catch(() => undefined);
        }
      };
      const senders = Array.from({ length: SENDERS }, sender);
      await waitUntil(() => roundAcks >= ACKS_BEFORE_KILL && roundConnected >= CONNECTED_BEFORE_KILL, {
        what: `${ACKS_BEFORE_KILL} acknowledgements (${CONNECTED_BEFORE_KILL} connected) before kill ${kills + 1}`,
        timeoutMs: 60_000,
      });
      // The crash point itself: a random moment while every sender has a delivery in flight.
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 600)));
      stopping = true;
      expect(await service.stop('SIGKILL')).toBeNull(); // killed, not exited
      await Promise.all(senders);
      const stored = await storedDigests();
      const missing = [...acked].filter((d) => !stored.has(d));
      expect(missing, `acknowledged but not stored after kill ${kills + 1}`).toEqual([]);
      for (const d of cut) crashed[stored.has(d) ? 'stored' : 'notStored']++;
    }
    expect(unexpected, 'requests that failed before any kill').toEqual([]);
    expect(ackedConnected, 'deliveries for the connected organisation acknowledged').toBeGreaterThan(CRASH_POINTS / 4);
    // Those took the queued path: stored to be processed, not settled on receipt.
    const database = pg ?? (await openDatabase({ pgliteDir: join(dataDir, 'pglite') }));
    try {
      const [queued] = await database.db
        .select({ n: count() })
        .from(webhookEvent)
        .where(and(eq(webhookEvent.accountRef, CONNECTED), ne(webhookEvent.status, 'ignored')));
      expect(queued!.n).toBeGreaterThanOrEqual(ackedConnected);
    } finally {
      if (!pg) await database.close();
    }
    expect(
      crashed.stored + crashed.notStored,
      `crash points in ${kills} kills: ${JSON.stringify(crashed)}`,
    ).toBeGreaterThanOrEqual(CRASH_POINTS);
    // And it comes back: ready again on the same data.
    const again = await startService(env());
    expect((await fetch(`http://127.0.0.1:${again.port}/readyz`)).status).toBe(200);
    expect(await again.stop('SIGTERM')).toBe(0);
  }, 420_000);
});
