import { and, eq } from 'drizzle-orm';
import { LEDGER_TZ } from '../../connectors/demo/generate.ts';
import type { Db } from '../db/client.ts';
import { appUser, firm, ledger, membership } from '../db/schema/index.ts';
import { localDate } from '../domain/dates.ts';
import type { Clock } from '../lib/clock.ts';

const DEMO_USER_EMAIL = 'demo@overdue.local';

/**
 * The embedded default's firm, user and demo ledger. Idempotent: a restart finds the same rows,
 * and the ledger keeps the anchor date it was created with, so the simulated book is stable.
 */
export async function ensureDemoLedger(db: Db, clock: Clock, seed: number) {
  return db.transaction(async (tx) => {
    const externalId = `demo-${seed}`;
    const [existing] = await tx
      .select({ id: ledger.id, firmId: ledger.firmId })
      .from(ledger)
      .where(and(eq(ledger.provider, 'demo'), eq(ledger.externalId, externalId)));
    if (existing) return { firmId: existing.firmId, ledgerId: existing.id, created: false };

    const [f] = await tx
      .insert(firm)
      .values({ name: 'Demo Bookkeeping', legalName: 'Demo Bookkeeping Ltd' })
      .returning();
    const [u] = await tx
      .insert(appUser)
      .values({ email: DEMO_USER_EMAIL, name: 'Demo User' })
      .onConflictDoUpdate({ target: appUser.email, set: { name: 'Demo User' } })
      .returning();
    await tx.insert(membership).values({ firmId: f!.id, userId: u!.id, role: 'owner' });
    const [l] = await tx
      .insert(ledger)
      .values({
        firmId: f!.id,
        provider: 'demo',
        externalId,
        name: 'Demo Trading Ltd',
        legalName: 'Demo Trading Limited',
        baseCurrency: 'GBP',
        timezone: LEDGER_TZ,
        country: 'GB',
        safeMode: true,
        settings: { demoSeed: seed, demoAnchor: localDate(clock.now(), LEDGER_TZ) },
      })
      .returning();
    return { firmId: f!.id, ledgerId: l!.id, created: true };
  });
}

/** The demo user's sign-in (the embedded default's /auth/dev): its id and firm, or null before set-up. */
export async function demoUser(db: Db): Promise<{ id: string; firmId: string } | null> {
  const [user] = await db
    .select({ id: appUser.id, firmId: membership.firmId })
    .from(appUser)
    .innerJoin(membership, eq(membership.userId, appUser.id))
    .where(eq(appUser.email, DEMO_USER_EMAIL));
  return user ?? null;
}
