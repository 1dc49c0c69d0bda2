import type { Db } from '../../src/db/client.ts';
import { firm, ledger } from '../../src/db/schema/index.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { ServiceContext } from '../../src/services/context.ts';

let n = 0;

export async function makeFirm(db: Db, name = `Firm ${++n}`) {
  const [row] = await db.insert(firm).values({ name }).returning();
  return row!;
}

export async function makeLedger(db: Db, firmId: string, over: Partial<typeof ledger.$inferInsert> = {}) {
  const [row] = await db
    .insert(ledger)
    .values({
      firmId,
      provider: 'demo',
      externalId: 'demo-42',
      name: 'Demo Trading Ltd',
      baseCurrency: 'GBP',
      timezone: 'Europe/London',
      country: 'GB',
      settings: { demoSeed: 42, demoAnchor: '2026-11-20' },
      ...over,
    })
    .returning();
  return row!;
}

export function systemCtx(db: Db, firmId: string, clock: Clock): ServiceContext {
  return { db, firmId, actor: { type: 'system', name: 'test' }, logger: silentLogger, clock };
}
