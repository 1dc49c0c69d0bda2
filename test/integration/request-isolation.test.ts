import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { type Db, dbError, queryRows } from '../../src/db/client.ts';
import { APP_ROLE, tenantTables } from '../../src/db/isolation.ts';
import { AppError } from '../../src/errors.ts';
import { sha256 } from '../../src/lib/secrets.ts';
import { startServer } from '../../src/server.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { makeFirm } from '../support/factories.ts';
import { captureLogger, testConfig, testDeps } from '../support/deps.ts';
import { signedIn } from '../support/session.ts';
import { rowsForFirm } from '../support/tenant-rows.ts';

/**
 * Row-level security under every signed-in request (reliability #23, #24): whatever a handler or
 * service forgets to filter, the database answers for the signed-in firm only. The probes below
 * are handlers that forget on purpose, mounted on the real app behind the real sign-in.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const INSUFFICIENT_PRIVILEGE = '42501';
const firmColumn = (table: string) => sql.identifier(table === 'firm' ? 'id' : 'firm_id');
const count = async (db: Db, q: SQL) => Number((await queryRows<{ n: number }>(db, q))[0]!.n);

async function probeApp() {
  const deps = await testDeps(database);
  const app = createApp(deps);
  const db = (c: { var: { deps: { database: { db: Db } } } }) => c.var.deps.database.db;
  // Who the request runs as, and every tenant table counted with no filter at all.
  app.get('/api/v1/probe/everything', async (c) => {
    const [who] = await queryRows<{ role: string; firm: string }>(
      db(c),
      sql`select current_user as role, current_setting('overdue.firm_id', true) as firm`,
    );
    const seen: Record<string, string[]> = {};
    for (const t of await tenantTables(db(c)))
      seen[t] = (
        await queryRows<{ f: string }>(
          db(c),
          sql`select distinct ${firmColumn(t)}::text as f from ${sql.identifier(t)}`,
        )
      ).map((r) => r.f);
    return c.json({ ...who, seen });
  });
  // An update that forgets its filter: names every contact in the database.
  app.post('/api/v1/probe/rename-all', async (c) => {
    await db(c).execute(sql`update contact set name = 'renamed'`);
    return c.json({ ok: true });
  });
  // A write naming another firm, after a write of its own; the database's refusal is kept.
  const refusals: (string | undefined)[] = [];
  app.post('/api/v1/probe/write-for/:firm', async (c) => {
    await db(c).execute(sql`update contact set name = 'half-done'`);
    try {
      await db(c).execute(
        sql`insert into agency (firm_id, name, delivery) values (${c.req.param('firm')}, 'Planted', '{"kind":"email"}')`,
      );
    } catch (err) {
      refusals.push(dbError(err).code);
      throw err;
    }
    return c.json({ ok: true });
  });
  // A write, a job asked for, then a refusal: neither the write nor the job may survive it.
  app.post('/api/v1/probe/fail-after-write', async (c) => {
    await db(c).execute(sql`update contact set name = 'half-done'`);
    await c.var.deps.jobs.enqueueRescore('after-failure');
    throw new AppError('conflict', 'refused after writing');
  });
  // A job asked for after a write: by the time it is queued, the write is visible to others.
  app.post('/api/v1/probe/write-then-job', async (c) => {
    await db(c).execute(sql`update contact set name = 'committed'`);
    await c.var.deps.jobs.enqueueRescore('after-commit');
    return c.json({ ok: true });
  });
  return { app, deps, refusals };
}

describe('every signed-in request runs under row-level security for its firm', () => {
  it('sees only its own firm in every tenant table, as the service role, whatever it forgets to filter', async () => {
    const tables = await tenantTables(database.db);
    const a = await makeFirm(database.db);
    const b = await makeFirm(database.db);
    await rowsForFirm(database.db, a.id, tables);
    await rowsForFirm(database.db, b.id, tables);
    const { app } = await probeApp();
    const { cookie } = await signedIn(database.db, a.id);
    const res = await app.request('/api/v1/probe/everything', { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { role: string; firm: string; seen: Record<string, string[]> };
    expect({ role: body.role, firm: body.firm }).toEqual({ role: APP_ROLE, firm: a.id });
    // Every tenant table has rows of both firms; the request sees exactly its own.
    for (const t of tables)
      expect(
        await count(database.db, sql`select count(distinct ${firmColumn(t)})::int as n from ${sql.identifier(t)}`),
      ).toBeGreaterThanOrEqual(2);
    expect(body.seen).toEqual(Object.fromEntries(tables.map((t) => [t, [a.id]])));
    // The same with an API token instead of a session.
    const token = await app.request('/api/v1/tokens', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'probe', scope: 'read' }),
    });
    expect(token.status).toBe(201);
    const { token: bearer } = (await token.json()) as { token: string };
    const viaToken = await app.request('/api/v1/probe/everything', { headers: { authorization: `Bearer ${bearer}` } });
    expect(((await viaToken.json()) as typeof body).seen).toEqual(body.seen);
  });

  it("changes only its own firm's rows, and cannot write a row for another firm", async () => {
    const a = await makeFirm(database.db);
    const b = await makeFirm(database.db);
    await rowsForFirm(database.db, a.id, ['contact']);
    await rowsForFirm(database.db, b.id, ['contact']);
    const { app, refusals } = await probeApp();
    const { cookie } = await signedIn(database.db, a.id);
    const names = (firmId: string) =>
      queryRows<{ name: string }>(database.db, sql`select name from contact where firm_id = ${firmId}`).then((r) =>
        r.map((x) => x.name),
      );
    const before = await names(b.id);
    expect((await app.request('/api/v1/probe/rename-all', { method: 'POST', headers: { cookie } })).status).toBe(200);
    expect(await names(a.id)).toEqual(['renamed']);
    expect(await names(b.id)).toEqual(before);

    const planted = await app.request(`/api/v1/probe/write-for/${b.id}`, { method: 'POST', headers: { cookie } });
    expect(planted.status).toBe(500);
    expect(JSON.stringify(await planted.json())).not.toMatch(/row-level|policy|agency/);
    expect(refusals).toEqual([INSUFFICIENT_PRIVILEGE]); // "new row violates row-level security policy"
    expect(await count(database.db, sql`select count(*)::int as n from agency where name = 'Planted'`)).toBe(0);
    // Its own write before the refused one went too: a failed request leaves nothing half-done.
    expect(await names(a.id)).toEqual(['renamed']);
  });

  it('rolls back a failed request and drops the jobs it asked for; queues jobs only once committed', async () => {
    const a = await makeFirm(database.db);
    await rowsForFirm(database.db, a.id, ['contact']);
    const { app, deps } = await probeApp();
    const { cookie } = await signedIn(database.db, a.id);
    const name = async () =>
      (await queryRows<{ name: string }>(database.db, sql`select name from contact where firm_id = ${a.id}`))[0]!.name;
    const failed = await app.request('/api/v1/probe/fail-after-write', { method: 'POST', headers: { cookie } });
    expect(failed.status).toBe(409);
    expect(await name()).not.toBe('half-done');
    expect(deps.jobs.rescored).toEqual([]);

    // The job is queued after the commit: at that moment another connection sees the write.
    const seenWhenQueued: string[] = [];
    const queue = deps.jobs.enqueueRescore;
    deps.jobs.enqueueRescore = async (id) => {
      seenWhenQueued.push(await name());
      await queue(id);
    };
    const ok = await app.request('/api/v1/probe/write-then-job', { method: 'POST', headers: { cookie } });
    expect(ok.status).toBe(200);
    expect(deps.jobs.rescored).toEqual(['after-commit']);
    expect(seenWhenQueued).toEqual(['committed']);
  });

  it('reaches other firms only by the named, logged path: the firm switcher and invitations still work', async () => {
    const a = await makeFirm(database.db, 'Alpha Books');
    const b = await makeFirm(database.db, 'Beta Books');
    const { app, deps } = await probeApp();
    const { cookie, userId } = await signedIn(database.db, a.id);
    await database.db.execute(
      sql`insert into membership (firm_id, user_id, role) values (${b.id}, ${userId}, 'admin')`,
    );
    const settings = await app.request('/settings', { headers: { cookie } });
    expect(settings.status).toBe(200);
    expect(await settings.text()).toContain('Beta Books');
    const switched = await app.request('/ui/switch-firm', {
      method: 'POST',
      headers: { cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ firmId: b.id }).toString(),
    });
    expect(switched.status).toBe(303);
    expect(decodeURIComponent(switched.headers.get('location')!)).toMatch(/Now working in Beta Books/);

    // An invitation from a third firm, opened and accepted while signed in to A.
    const c = await makeFirm(database.db, 'Gamma Books');
    const link = 'invite-token-for-gamma';
    await database.db.execute(
      sql`insert into invite (firm_id, email, role, token_hash, expires_at)
          values (${c.id}, 'x@example.com', 'member', ${sha256(link)}, '2026-12-31T00:00:00Z')`,
    );
    const invitation = await app.request(`/invite/${link}`, { headers: { cookie } });
    expect(invitation.status).toBe(200);
    expect(await invitation.text()).toContain('Join Gamma Books');
    const joined = await app.request(`/invite/${link}`, {
      method: 'POST',
      headers: { cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(decodeURIComponent(joined.headers.get('location')!)).toMatch(/You joined Gamma Books as member/);
    expect(await count(database.db, sql`select count(*)::int as n from membership where firm_id = ${c.id}`)).toBe(1);

    const why = deps.logger.lines.filter((l) => l.includes('across firms')).map((l) => JSON.parse(l).why);
    expect(why).toEqual([
      'the firms a user belongs to',
      'switching a user to another firm',
      'reading an invitation',
      'accepting an invitation',
    ]);
  });
});

describe('the service refuses to start where request isolation would not hold', () => {
  it('names each condition flipped in its own database, and starts once it is put back', async () => {
    const flips: [string, string, string][] = [
      [
        'alter table invoice disable row level security',
        'alter table invoice enable row level security',
        'table invoice has no row-level security',
      ],
      [
        `alter table agency owner to ${APP_ROLE}`,
        'alter table agency owner to current_user',
        `the database role ${APP_ROLE} owns tables (agency)`,
      ],
    ];
    for (const [flip, back, named] of flips) {
      const own = await createTestDatabase();
      try {
        await own.db.execute(sql.raw(flip));
        const start = () =>
          startServer(testConfig({ PORT: '0', TICK_INTERVAL_SECONDS: '3600' }), {
            database: own,
            logger: captureLogger(),
          });
        await expect(start()).rejects.toThrow(
          `invalid configuration: DATABASE_URL: tenant isolation would not hold: ${named}`,
        );
        await own.db.execute(sql.raw(back));
        await (await start()).stop();
      } finally {
        await own.drop();
      }
    }
  });
});
