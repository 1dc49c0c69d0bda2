import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.ts';
import { firm, ledger } from '../../src/db/schema/index.ts';
import { databaseAtMigration } from '../support/migrations.ts';

const at0023 = databaseAtMigration(23);

describe('migration 0024: a ledger keeps its provider link under a provider-neutral key', () => {
  it('moves settings.xeroConnectionRef to settings.connectionRef and leaves the other settings alone', async () => {
    const database = await at0023();
    const [f] = await database.db.insert(firm).values({ name: 'Harbour Books' }).returning();
    const base = { firmId: f!.id, provider: 'xero' as const, baseCurrency: 'NZD', timezone: 'Pacific/Auckland' };
    const [linked] = await database.db
      .insert(ledger)
      .values({
        ...base,
        externalId: 'tenant-1',
        name: 'Harbour Dental',
        settings: { xeroConnectionRef: 'conn-1', timezoneGuessed: false },
      })
      .returning();
    const [plain] = await database.db
      .insert(ledger)
      .values({ ...base, externalId: 'tenant-2', name: 'Quayside', settings: { timezoneGuessed: true } })
      .returning();

    await runMigrations(database);
    const settingsOf = async (id: string) =>
      (await database.db.select({ s: ledger.settings }).from(ledger).where(eq(ledger.id, id)))[0]!.s;
    expect(await settingsOf(linked!.id)).toEqual({ connectionRef: 'conn-1', timezoneGuessed: false });
    expect(await settingsOf(plain!.id)).toEqual({ timezoneGuessed: true });
  });
});
