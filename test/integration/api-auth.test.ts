import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { apiToken } from '../../src/db/schema/index.ts';
import { createApiToken } from '../../src/services/sessions.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeFirm, makeLedger } from '../support/factories.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

describe('API authentication and firm scoping', () => {
  it("answers a bearer token with its own firm's ledgers only, and 404 for another firm's", async () => {
    const app = createApp(await testDeps(database));
    const mine = await makeFirm(database.db);
    const theirs = await makeFirm(database.db);
    const myLedger = await makeLedger(database.db, mine.id, { externalId: 'demo-1' });
    const theirLedger = await makeLedger(database.db, theirs.id, { externalId: 'demo-2' });
    const { token } = await createApiToken(database.db, mine.id, 'ci');
    const auth = { authorization: `Bearer ${token}` };

    const res = await app.request('/api/v1/ledgers', { headers: auth });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { ledgers: { id: string }[] };
    expect(body.ledgers.map((l) => l.id)).toEqual([myLedger.id]);
    expect((await app.request(`/api/v1/ledgers/${myLedger.id}/sync`, { method: 'POST', headers: auth })).status).toBe(
      202,
    );
    expect(
      (await app.request(`/api/v1/ledgers/${theirLedger.id}/sync`, { method: 'POST', headers: auth })).status,
    ).toBe(404);
    expect(
      (await app.request(`/api/v1/ledgers/${theirLedger.id}/purge`, { method: 'POST', headers: auth })).status,
    ).toBe(404);
  });

  it('stores only the token hash, and refuses unknown, revoked or missing tokens with 401', async () => {
    const app = createApp(await testDeps(database));
    const firm = await makeFirm(database.db);
    const { id, token } = await createApiToken(database.db, firm.id, 'ci');
    const [row] = await database.db.select().from(apiToken).where(eq(apiToken.id, id));
    expect(row!.tokenHash).not.toContain(token.slice(4));
    expect((await app.request('/api/v1/ledgers')).status).toBe(401);
    expect((await app.request('/api/v1/ledgers', { headers: { authorization: 'Bearer odt_nope' } })).status).toBe(401);
    await database.db.update(apiToken).set({ revokedAt: new Date() }).where(eq(apiToken.id, id));
    const res = await app.request('/api/v1/ledgers', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthenticated');
  });

  it('lets a read-only token read but not change anything (403)', async () => {
    const app = createApp(await testDeps(database));
    const firm = await makeFirm(database.db);
    const l = await makeLedger(database.db, firm.id, { externalId: 'demo-3' });
    const { token } = await createApiToken(database.db, firm.id, 'viewer', ['read']);
    const auth = { authorization: `Bearer ${token}` };
    expect((await app.request('/api/v1/ledgers', { headers: auth })).status).toBe(200);
    expect((await app.request(`/api/v1/ledgers/${l.id}/sync`, { method: 'POST', headers: auth })).status).toBe(403);
    expect((await app.request(`/api/v1/ledgers/${l.id}/purge`, { method: 'POST', headers: auth })).status).toBe(403);
  });
});
