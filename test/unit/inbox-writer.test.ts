import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { createInboxWriter, type DeliveryInput, PRESSURE_WINDOW_MS } from '../../webhooks/inbox.ts';

/** A database whose statements finish when the test says so. */
function heldDatabase() {
  const held: (() => void)[] = [];
  const database = {
    kind: 'pglite',
    pglite: { query: () => new Promise((resolve) => held.push(() => resolve({ rows: [] }))) },
  } as unknown as Database;
  return { database, held };
}

const delivery = (n: number): DeliveryInput => ({
  provider: 'xero',
  body: new TextEncoder().encode(`{"n":${n}}`),
  headers: {},
  events: [
    {
      dedupeKey: `k${n}`,
      accountRef: 't',
      entity: 'invoice',
      entityId: String(n),
      operation: 'update',
      occurredAt: null,
      payload: {},
    },
  ],
  now: new Date('2026-12-01T00:00:00Z'),
});

describe('inbox writer', () => {
  it('is saturated while deliveries wait for a statement slot, and for PRESSURE_WINDOW_MS after', async () => {
    const { database, held } = heldDatabase();
    let clock = 1_000;
    const writer = createInboxWriter(database, { maxInFlight: 1, now: () => clock });
    expect(writer.saturated()).toBe(false);
    const first = writer.store(delivery(1));
    await new Promise((r) => setImmediate(r));
    // One statement in flight, nobody waiting.
    expect(held).toHaveLength(1);
    expect(writer.saturated()).toBe(false);
    const second = writer.store(delivery(2));
    await new Promise((r) => setImmediate(r));
    expect(writer.saturated()).toBe(true);
    held.shift()!();
    await first;
    await new Promise((r) => setImmediate(r));
    // The waiting delivery took the slot: the queue is empty, but it waited a moment ago.
    expect(held).toHaveLength(1);
    clock += PRESSURE_WINDOW_MS - 1;
    expect(writer.saturated()).toBe(true);
    clock += 1;
    expect(writer.saturated()).toBe(false);
    held.shift()!();
    await second;
    expect(writer.saturated()).toBe(false);
  });

  it('reads a steady overload as saturated although each freed slot takes the whole queue', async () => {
    const { database, held } = heldDatabase();
    let clock = 0;
    const writer = createInboxWriter(database, { maxInFlight: 1, now: () => clock });
    const stored: Promise<unknown>[] = [writer.store(delivery(0))];
    for (let n = 1; n <= 20; n++) {
      // A delivery arrives while the statement runs, then the statement ends and the queue empties.
      stored.push(writer.store(delivery(n)));
      await new Promise((r) => setImmediate(r));
      held.shift()!();
      await new Promise((r) => setImmediate(r));
      expect(held).toHaveLength(1);
      clock += 10;
      expect(writer.saturated()).toBe(true);
    }
    held.shift()!();
    await Promise.all(stored);
    clock += PRESSURE_WINDOW_MS;
    expect(writer.saturated()).toBe(false);
  });

  it('expects the wait of the batches ahead at the recent batch time, and nothing when idle', async () => {
    const { database, held } = heldDatabase();
    let clock = 0;
    const writer = createInboxWriter(database, { maxInFlight: 2, maxBatch: 2, now: () => clock });
    expect(writer.expectedWaitMs()).toBe(0);
    // One batch that takes 1,000 ms: the smoothed batch time starts there.
    const first = writer.store(delivery(1));
    await new Promise((r) => setImmediate(r));
    clock += 1_000;
    held.shift()!();
    await first;
    await new Promise((r) => setImmediate(r));
    expect(writer.expectedWaitMs()).toBe(0);
    // PGlite runs batches one after the other: the two in flight (a delivery each), then the five
    // queued behind them and the next delivery, in three batches of two.
    const stored = [2, 3, 4, 5, 6, 7, 8].map((n) => writer.store(delivery(n)));
    await new Promise((r) => setImmediate(r));
    expect(held).toHaveLength(2);
    expect(writer.expectedWaitMs()).toBe((2 + Math.ceil((5 + 1) / 2)) * 1_000);
    while (held.length) {
      held.shift()!();
      await new Promise((r) => setImmediate(r));
    }
    await Promise.all(stored);
    await new Promise((r) => setImmediate(r));
    expect(writer.expectedWaitMs()).toBe(0);
  });
});
