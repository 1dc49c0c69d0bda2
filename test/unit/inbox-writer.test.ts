import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/client.ts';
import { createInboxWriter, type DeliveryInput } from '../../webhooks/inbox.ts';

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
  events: [{ dedupeKey: `k${n}`, accountRef: 't', entity: 'invoice', entityId: String(n), operation: 'update', occurredAt: null, payload: {} }],
  now: new Date('2026-12-01T00:00:00Z'),
});

describe('inbox writer', () => {
  it('is saturated exactly while deliveries wait for a statement slot', async () => {
    const { database, held } = heldDatabase();
    const writer = createInboxWriter(database, { maxInFlight: 1 });
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
    // The waiting delivery took the slot.
    expect(held).toHaveLength(1);
    expect(writer.saturated()).toBe(false);
    held.shift()!();
    await second;
    expect(writer.saturated()).toBe(false);
  });
});
