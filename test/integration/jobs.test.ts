import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { startBoss } from '../../src/jobs/boss.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const waitFor = async (check: () => boolean, ms = 15_000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

describe('job engine', () => {
  it('runs jobs and, on graceful stop, lets an in-flight job finish', async () => {
    const boss = await startBoss(database, silentLogger);
    await boss.createQueue('slow-test');
    let started = false;
    let finished = false;
    await boss.work('slow-test', { pollingIntervalSeconds: 0.5 }, async () => {
      started = true;
      await new Promise((r) => setTimeout(r, 1500));
      finished = true;
    });
    const id = await boss.send('slow-test', { n: 1 });
    await waitFor(() => started);
    await boss.stop({ graceful: true, timeout: 10_000, close: false });
    expect(finished).toBe(true);
    const [row] = await queryRows<{ state: string }>(database.db, sql`select state from pgboss.job where id = ${id}`);
    expect(row?.state).toBe('completed');
  });

  it('keeps queued work across a restart of the engine', async () => {
    const first = await startBoss(database, silentLogger);
    await first.createQueue('later-test');
    const id = await first.send('later-test', { keep: true });
    await first.stop({ graceful: true, timeout: 2000, close: false });

    const second = await startBoss(database, silentLogger);
    let seen: unknown;
    await second.work('later-test', { pollingIntervalSeconds: 0.5 }, async ([job]) => {
      seen = job!.data;
    });
    await waitFor(() => seen !== undefined);
    expect(seen).toEqual({ keep: true });
    await second.stop({ graceful: true, timeout: 5000, close: false });
    const [row] = await queryRows<{ state: string }>(database.db, sql`select state from pgboss.job where id = ${id}`);
    expect(row?.state).toBe('completed');
  });
});
