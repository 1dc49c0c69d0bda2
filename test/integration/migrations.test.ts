import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { expectedMigrationCount, migrationsApplied } from '../../src/db/migration-status.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testApp } from '../support/deps.ts';

const TABLES = [
  'firm',
  'app_user',
  'membership',
  'api_token',
  'connection',
  'ledger',
  'contact',
  'invoice',
  'payment',
  'credit_note',
  'webhook_delivery',
  'webhook_event',
  'sync_cursor',
  'cadence_policy',
  'contact_state',
  'opt_out_link',
  'collection_state',
  'reminder',
  'reminder_item',
  'message',
  'risk_score',
  'risk_model',
  'history_import',
  'history_invoice',
  'membership_ledger',
  'invite',
  'user_identity',
  'credit_limit',
  'credit_alert',
  'forecast_snapshot',
  'webhook_endpoint',
  'outbound_delivery',
  'agency',
  'handoff',
  'handoff_event',
  'audit_log',
  'session',
  'oauth_state',
  'ledger_note',
  'invoice_hold',
  'provider_pace',
  'provider_lease',
];

describe('migrations', () => {
  let bare: TestDatabase;
  beforeAll(async () => {
    bare = await createTestDatabase({ migrate: false });
  });
  afterAll(() => bare.drop());

  it('a database without migrations is not ready (503)', async () => {
    expect(await migrationsApplied(bare)).toBe(false);
    const res = await (await testApp(bare)).request('/readyz');
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ ok: false, database: true, migrations: false, providers: [] });
  });

  it('creates every table of the data model, and running again changes nothing', async () => {
    await runMigrations(bare);
    await runMigrations(bare);
    const rows = await queryRows<{ table_name: string }>(
      bare.db,
      sql`select table_name from information_schema.tables where table_schema = 'public'`,
    );
    expect(rows.map((r) => r.table_name).sort()).toEqual([...TABLES].sort());
    const [count] = await queryRows<{ n: number }>(
      bare.db,
      sql`select count(*)::int as n from drizzle.__drizzle_migrations`,
    );
    expect(count!.n).toBe(expectedMigrationCount());
  });

  it('is ready once migrated (200)', async () => {
    const res = await (await testApp(bare)).request('/readyz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, database: true, migrations: true, providers: [] });
  });

  // The webhook inbox is the providers': an event arrives before anyone knows its tenant, and a
  // firm reaches it only through its ledgers (src/services/webhook-events.ts).
  it('every tenant table below firm carries firm_id', async () => {
    const rows = await queryRows<{ table_name: string }>(
      bare.db,
      sql`select table_name from information_schema.columns where table_schema = 'public' and column_name = 'firm_id'`,
    );
    const withFirm = new Set(rows.map((r) => r.table_name));
    // A person and their sign-in identities belong to no one firm (they may be in several); a
    // provider organisation's call budget is shared by every firm connected to it.
    const shared = ['firm', 'app_user', 'user_identity', 'webhook_delivery', 'webhook_event'];
    for (const t of TABLES.filter((x) => ![...shared, 'provider_pace', 'provider_lease'].includes(x)))
      expect(withFirm, t).toContain(t);
  });

  it('stores money as numeric and never as floating point', async () => {
    const rows = await queryRows<{ data_type: string }>(
      bare.db,
      sql`select distinct data_type from information_schema.columns where table_schema = 'public'`,
    );
    const types = rows.map((r) => r.data_type);
    expect(types).toContain('numeric');
    expect(types).not.toContain('double precision');
    expect(types).not.toContain('real');
  });
});
