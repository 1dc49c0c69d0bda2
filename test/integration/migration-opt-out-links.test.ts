import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { optOutByToken } from '../../src/services/reminders/manage.ts';
import { makeContact, makeFirm, makeLedger } from '../support/factories.ts';
import { databaseAtMigration } from '../support/migrations.ts';

const at0025 = databaseAtMigration(25);

describe('migrations 0026-0027: opt-out tokens leave the database, their links keep working', () => {
  it('keeps a link sent before as a digest and drops the plain token', async () => {
    const database = await at0025();
    const firm = await makeFirm(database.db);
    const ledger = await makeLedger(database.db, firm.id);
    const contact = await makeContact(database.db, ledger);
    await database.db.execute(
      sql`insert into contact_state (contact_id, firm_id, ledger_id, opt_out_token)
          values (${contact.id}, ${firm.id}, ${ledger.id}, 'sent-before-the-digests-0123456789')`,
    );

    await runMigrations(database);
    const columns = await queryRows<{ column_name: string }>(
      database.db,
      sql`select column_name from information_schema.columns where table_name = 'contact_state'`,
    );
    expect(columns.map((c) => c.column_name)).not.toContain('opt_out_token');
    const deps = { db: database.db, clock: fixedClock('2026-12-07T09:00:00Z'), logger: silentLogger };
    expect(await optOutByToken(deps, 'sent-before-the-digests-0123456789')).toEqual({ contactId: contact.id });
    const [state] = await queryRows<{ opted_out_at: Date | null }>(
      database.db,
      sql`select opted_out_at from contact_state where contact_id = ${contact.id}`,
    );
    expect(state!.opted_out_at).not.toBeNull();
  });
});
