import type { TokenSet } from '../../connectors/types.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase } from '../../src/db/client.ts';
import { runMigrations } from '../../src/db/migrate.ts';
import { connection, firm, ledger } from '../../src/db/schema/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createTokenCipher } from '../../src/lib/token-cipher.ts';
import { createIntegrations } from '../../src/services/integrations.ts';
import { syncLedger } from '../../src/services/sync.ts';
import { mirrorHandlers } from '../../src/services/background.ts';

type LedgerFields = Pick<typeof ledger.$inferInsert, 'provider' | 'externalId' | 'baseCurrency' | 'timezone'>;

/**
 * What the backfill benchmarks share: a migrated database (Postgres with DATABASE_URL, else
 * PGlite), the real integrations with the rate limiter on virtual time, a firm with one
 * connected ledger, and a timed backfill that reports wall time and rate-limit waiting apart.
 */
export async function backfillBench(env: Record<string, string>, opts: { pgliteDir?: string } = {}) {
  const database = await openDatabase({ url: process.env.DATABASE_URL, pgliteDir: opts.pgliteDir ?? ':memory:' });
  await runMigrations(database);
  const config = loadConfig({ ...env, DEMO_LEDGER: 'false', LOG_LEVEL: 'silent' });
  const cipher = await createTokenCipher([{ id: 'bench', key: new Uint8Array(32).fill(1) }]);
  let virtual = Date.now();
  const limiterClock = {
    now: () => virtual,
    sleep: async (ms: number) => {
      virtual += ms;
    },
  };
  const clock = fixedClock('2026-11-20T10:00:00Z');
  const integrations = createIntegrations({
    config,
    db: database.db,
    cipher,
    clock,
    logger: silentLogger,
    limiterClock,
  });
  const [f] = await database.db.insert(firm).values({ name: 'Bench' }).returning();

  /** A ledger on a live grant, as the consent flow would have stored it. */
  const connect = async (tokens: TokenSet, fields: LedgerFields) => {
    const [conn] = await database.db
      .insert(connection)
      .values({ firmId: f!.id, provider: fields.provider })
      .returning();
    await integrations.tokens.store(database.db, conn!.id, tokens);
    const [l] = await database.db
      .insert(ledger)
      .values({ firmId: f!.id, connectionId: conn!.id, name: 'Bench', ...fields })
      .returning();
    return l!;
  };

  /** Wall time, time inside the connector's page calls (HTTP, parsing, mapping), and rate-limit waiting. */
  /** `plan`: as the production job runs it, scoring and planning what the backfill brought in. */
  const backfill = async (row: typeof ledger.$inferSelect, opts: { plan?: boolean } = {}) => {
    const waitedFrom = virtual;
    const connector = await integrations.resolve(row);
    const page = connector.page.bind(connector);
    let fetchMs = 0;
    connector.page = (async (...args: Parameters<typeof page>) => {
      const t = performance.now();
      try {
        return await page(...args);
      } finally {
        fetchMs += performance.now() - t;
      }
    }) as typeof page;
    const t0 = performance.now();
    const result = await syncLedger(
      {
        ctx: { db: database.db, firmId: f!.id, actor: { type: 'system', name: 'bench' }, logger: silentLogger, clock },
        input: { ledgerId: row.id },
      },
      connector,
      opts.plan ? mirrorHandlers({ db: database.db, clock, logger: silentLogger }) : undefined,
    );
    return { result, wallMs: performance.now() - t0, fetchMs, limitedMs: virtual - waitedFrom };
  };

  return { database, integrations, clock, connect, backfill, close: () => database.close() };
}
