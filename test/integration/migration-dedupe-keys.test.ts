import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { derivedDedupeKey } from '../../webhooks/events.ts';
import { storeDelivery } from '../../webhooks/inbox.ts';
import { parseQuickBooksDelivery } from '../../connectors/quickbooks/webhook.ts';
import { parseXeroDelivery } from '../../connectors/xero/webhook.ts';
import { databaseAtMigration } from '../support/migrations.ts';
import { qboLegacy, xeroBatch } from '../support/webhooks/deliver.ts';

const at0016 = databaseAtMigration(16);

describe('migration 0017: derived dedupe keys become digests', () => {
  it('rewrites keys stored in the readable form as the parsers now derive them, so a redelivery is still a duplicate', async () => {
    const database = await at0016();

    const xero = {
      tenantId: 'c2cc9b6e-9458-4c7d-93cc-f02b81b0594f',
      resourceId: '717f2bfc-c6d4-41fd-b238-3f2f0c0cf777',
      category: 'CONTACT',
      at: '2024-06-21T01:15:39.902',
    };
    const legacy = { name: 'Customer', id: '1', operation: 'Create', lastUpdated: '2015-10-05T14:42:19-0700' };
    const rows = [
      ['xero', `xero:${xero.tenantId}:CONTACT:${xero.resourceId}:${xero.at}:UPDATE`, xero.tenantId],
      ['quickbooks', 'qbo:1185883450:Customer:1:2015-10-05T14:42:19-0700:Create', '1185883450'],
      ['quickbooks', 'ce:88cd52aa-33b6-4351-9aa4-47572edbd068', '310687'],
    ];
    for (const [provider, key, account] of rows) {
      await database.db.execute(sql`insert into webhook_event (raw_body, headers, provider, dedupe_key, account_ref, entity, entity_id, operation, status)
        values ('\\x7b7d'::bytea, '{}'::jsonb, ${provider}::provider, ${key}, ${account}, 'invoice', '1', 'update', 'processed')`);
    }

    await runMigrations(database);
    const keys = (
      await queryRows<{ k: string }>(database.db, sql`select dedupe_key as k from webhook_event order by k`)
    ).map((r) => r.k);
    const xeroKey = derivedDedupeKey('xero', [xero.tenantId, 'CONTACT', xero.resourceId, xero.at, 'UPDATE']);
    const qboKey = derivedDedupeKey('qbo', ['1185883450', 'Customer', '1', '2015-10-05T14:42:19-0700', 'Create']);
    expect(keys).toEqual(['ce:88cd52aa-33b6-4351-9aa4-47572edbd068', qboKey, xeroKey].sort());
    expect(xeroKey).toMatch(/^xero:[\w-]{22}$/);

    // The same events delivered again, in new bodies: parsed to the rewritten keys, nothing added.
    const now = new Date();
    const xeroBody = new TextEncoder().encode(
      xeroBatch([{ tenantId: xero.tenantId, resourceId: xero.resourceId, category: 'CONTACT', at: xero.at }]),
    );
    const qboBody = new TextEncoder().encode(qboLegacy('1185883450', [legacy]));
    for (const [provider, body, parse] of [
      ['xero', xeroBody, parseXeroDelivery],
      ['quickbooks', qboBody, parseQuickBooksDelivery],
    ] as const) {
      const parsed = parse(body);
      if (parsed.kind !== 'events') throw new Error(`${provider} test body does not parse`);
      expect(await storeDelivery(database, { provider, body, headers: {}, events: parsed.events, now })).toEqual({
        created: [],
      });
    }
    expect(await queryRows(database.db, sql`select 1 from webhook_event`)).toHaveLength(3);
  });
});
