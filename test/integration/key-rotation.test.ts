import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agency, connection, webhookEndpoint } from '../../src/db/schema/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { createTokenCipher } from '../../src/lib/token-cipher.ts';
import { rewrapSecrets } from '../../src/services/key-rotation.ts';
import { createEndpoint, deliverOutbound, emitEvent } from '../../src/services/outbound/events.ts';
import { ConnectionTokens } from '../../src/services/tokens.ts';
import { verifyStandardWebhook } from '../../webhooks/verify.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { captureLogger } from '../support/deps.ts';
import { makeFirm, systemCtx } from '../support/factories.ts';

/**
 * Key rotation as the README describes it (issue 29; reliability checklist item 20): put the new
 * key first, restart, drop the old key. The restart re-encrypts every stored secret under the new
 * key; before, nothing did, and after the old key was dropped the provider tokens, agency secrets
 * and outbound-webhook secrets no longer opened.
 */
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const key = (n: number) => new Uint8Array(32).fill(n);

describe('rotating the encryption key', () => {
  it('re-encrypts every secret under the new key; with the old key gone, tokens open and a signed webhook is delivered', async () => {
    const clock = fixedClock('2026-11-20T10:00:00Z');
    const logger = captureLogger();
    const old = await createTokenCipher([{ id: '2026-01', key: key(1) }]);
    const firm = await makeFirm(database.db);
    const ctx = systemCtx(database.db, firm.id, clock);
    // Stored under the old key: a connection's tokens, an agency's secret, an endpoint's secret.
    const [conn] = await database.db.insert(connection).values({ firmId: firm.id, provider: 'xero' }).returning();
    const tokens = new ConnectionTokens({ db: database.db, cipher: old, clock, logger, refreshers: {} });
    await tokens.store(database.db, conn!.id, {
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
      accessExpiresAt: new Date('2030-01-01T00:00:00Z'),
      scopes: [],
    });
    const [ag] = await database.db
      .insert(agency)
      .values({ firmId: firm.id, name: 'Agency', delivery: { method: 'webhook', url: 'https://agency.example/cases' } })
      .returning();
    await database.db
      .update(agency)
      .set({ secret: await old.encrypt('agency-secret', ag!.id) })
      .where(eq(agency.id, ag!.id));
    const endpoint = await createEndpoint(
      { ctx, input: { url: 'https://receiver.example/hooks', events: ['credit.alert'] } },
      old,
    );

    // New key first, old kept: the restart re-encrypts.
    const both = await createTokenCipher([
      { id: '2026-12', key: key(2) },
      { id: '2026-01', key: key(1) },
    ]);
    expect(await rewrapSecrets(database.db, both, logger)).toEqual({
      connections: 1,
      agencies: 1,
      endpoints: 1,
      unreadable: 0,
    });
    expect(await rewrapSecrets(database.db, both, logger)).toEqual({
      connections: 0,
      agencies: 0,
      endpoints: 0,
      unreadable: 0,
    });

    // The old key dropped.
    const next = await createTokenCipher([{ id: '2026-12', key: key(2) }]);
    const [c] = await database.db.select().from(connection).where(eq(connection.id, conn!.id));
    expect(c!.keyId).toBe('2026-12');
    expect(await next.decrypt(c!.refreshToken!, c!.id)).toBe('refresh-1');
    const after = new ConnectionTokens({ db: database.db, cipher: next, clock, logger, refreshers: {} });
    expect(await after.accessToken(conn!.id)).toBe('access-1');
    const [a] = await database.db.select().from(agency).where(eq(agency.id, ag!.id));
    expect(await next.decrypt(a!.secret!, a!.id)).toBe('agency-secret');

    await emitEvent(database.db, firm.id, 'credit.alert', { invoiceId: 'inv-1' }, clock.now());
    const sent: { body: Uint8Array; headers: Headers }[] = [];
    const fetchStub = (async (_url: string, init: RequestInit) => {
      sent.push({ body: init.body as Uint8Array, headers: new Headers(init.headers) });
      return new Response(null, { status: 204 });
    }) as unknown as typeof fetch;
    expect(await deliverOutbound({ db: database.db, clock, logger, cipher: next, fetch: fetchStub })).toEqual({
      claimed: 1,
      delivered: 1,
    });
    const h = sent[0]!.headers;
    const signed = {
      id: h.get('webhook-id')!,
      timestamp: h.get('webhook-timestamp')!,
      signature: h.get('webhook-signature')!,
    };
    expect(
      await verifyStandardWebhook(endpoint.secret, sent[0]!.body, signed, { now: clock.now(), toleranceSeconds: 300 }),
    ).toBe(true);
    const [e] = await database.db.select().from(webhookEndpoint).where(eq(webhookEndpoint.id, endpoint.id));
    expect(e!.secret.startsWith('v1.2026-12.')).toBe(true);
  });
});
