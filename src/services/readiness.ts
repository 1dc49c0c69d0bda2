import { sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { migrationsApplied } from '../db/migration-status.ts';
import { refusedCredentials } from './provider-health.ts';

/**
 * Whether the service can do its work: the database answers and has every migration; and which
 * providers refuse our credentials (reported, but not a reason to be taken out of rotation).
 */
export async function readiness(database: Database) {
  const dbOk = await database.db
    .execute(sql`select 1`)
    .then(() => true)
    .catch(() => false);
  const migrations = dbOk && (await migrationsApplied(database));
  const providers = migrations ? await refusedCredentials(database.db).catch(() => []) : [];
  return { ok: dbOk && migrations, database: dbOk, migrations, providers };
}
