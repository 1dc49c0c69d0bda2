import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/client.ts';
import { createTestDatabase, onPostgres, type TestDatabase } from '../support/db.ts';
import { startService } from '../support/process.ts';
import { sign, webhookEnv, XERO_KEY, xeroBatch } from '../support/webhooks/deliver.ts';
import { storedBodies } from '../support/webhooks/stored.ts';

/**
 * Reliability: a 2xx to a webhook means the delivery is durably stored. The real service takes a
 * stream of signed deliveries and is killed with SIGKILL at a random moment; after each kill,
 * every delivery that was acknowledged must be in the inbox, and the service must start again.
 */
let dataDir: string;
let pg: TestDatabase | undefined;
beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'overdue-crash-'));
  if (onPostgres()) pg = await createTestDatabase({ migrate: false });
});
afterAll(async () => {
  await pg?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

const env = () => ({ DATA_DIR: dataDir, DEMO_LEDGER: 'false', ...webhookEnv, ...(pg && pg.kind === 'postgres' ? { DATABASE_URL: pg.url } : {}) });

async function storedDigests(): Promise<Set<string>> {
  const database = pg ?? (await openDatabase({ pgliteDir: join(dataDir, 'pglite') }));
  try {
    return new Set((await storedBodies(database.db)).map((b) => b.sha256));
  } finally {
    if (!pg) await database.close();
  }
}

describe('SIGKILL during webhook receipt', () => {
  it('loses no acknowledged delivery, at three random kill points', async () => {
    const acked = new Set<string>();
    let sent = 0;
    for (const killAfterMs of [150 + Math.floor(Math.random() * 300), 400 + Math.floor(Math.random() * 400), 50 + Math.floor(Math.random() * 200)]) {
      const service = await startService(env());
      const url = `http://127.0.0.1:${service.port}/webhooks/xero`;
      let stop = false;
      const sender = async () => {
        while (!stop) {
          const body = xeroBatch([{ tenantId: `tenant-${sent++}` }]);
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-xero-signature': sign(XERO_KEY, body) }, body }).catch(() => null);
          if (res?.ok) acked.add(createHash('sha256').update(body).digest('hex'));
          await res?.arrayBuffer().catch(() => undefined);
        }
      };
      const senders = Array.from({ length: 8 }, sender);
      await new Promise((r) => setTimeout(r, killAfterMs));
      expect(await service.stop('SIGKILL')).toBeNull(); // killed, not exited
      stop = true;
      await Promise.all(senders);
      const stored = await storedDigests();
      const missing = [...acked].filter((d) => !stored.has(d));
      expect(missing, `acknowledged but not stored after a kill at ${killAfterMs} ms`).toEqual([]);
    }
    expect(acked.size).toBeGreaterThan(20);
    // And it comes back: ready again on the same data.
    const again = await startService(env());
    expect((await fetch(`http://127.0.0.1:${again.port}/readyz`)).status).toBe(200);
    expect(await again.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
