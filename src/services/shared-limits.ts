import { and, eq, lt, sql } from 'drizzle-orm';
import { interval, type Limits, type SharedLimits } from '../../connectors/shared/ratelimit.ts';
import type { Provider } from '../../connectors/types.ts';
import { queryRows, type Db } from '../db/client.ts';
import { providerLease, providerPace } from '../db/schema/index.ts';

/** How long a call may hold a shared slot before the slot counts as abandoned (its process died). */
const LEASE_SLACK_MS = 10_000;
/** How long to wait before asking again when every shared slot is taken. */
const SLOT_POLL_MS = 50;

type Sleep = (ms: number) => Promise<void>;

/**
 * A tenant's call budget in the database, so that any number of processes (Node, or Workers
 * isolates on the same Postgres) together stay inside the provider's per-tenant limits: at most
 * `perTenantConcurrent` calls in flight (leases that expire by themselves) and the per-minute
 * pace as one generic cell rate (the same one each process keeps locally, see ratelimit.ts).
 * Each take is one short transaction serialised per tenant by an advisory lock, using the
 * database's clock so that the processes' own clocks do not matter.
 */
export function sharedLimits(
  db: Db,
  provider: Provider,
  limits: Limits,
  opts: { callTimeoutMs: number; sleep: Sleep },
): SharedLimits {
  const step = interval(limits.perTenantPerMinute, limits.burst);
  const where = (tenant: string) => and(eq(providerLease.provider, provider), eq(providerLease.tenant, tenant));
  const lock = (tenant: string) => sql`select pg_advisory_xact_lock(hashtextextended(${`${provider}:${tenant}`}, 0))`;

  const tryTake = (tenant: string): Promise<{ lease: string } | { waitMs: number }> =>
    db.transaction(async (tx) => {
      await tx.execute(lock(tenant));
      await tx.delete(providerLease).where(and(where(tenant), lt(providerLease.expiresAt, sql`clock_timestamp()`)));
      const [state] = await queryRows<{ n: number; now: string; tat: string | null }>(
        tx as unknown as Db,
        sql`select (select count(*)::int from provider_lease where provider = ${provider} and tenant = ${tenant}) as n,
                   clock_timestamp() as now,
                   (select tat from provider_pace where provider = ${provider} and tenant = ${tenant}) as tat`,
      );
      if (state!.n >= limits.perTenantConcurrent) return { waitMs: SLOT_POLL_MS };
      const now = new Date(state!.now).getTime();
      const tat = state!.tat ? new Date(state!.tat).getTime() : 0;
      const allowedAt = tat - limits.burst * step;
      if (allowedAt > now) return { waitMs: Math.ceil(allowedAt - now) };
      const next = new Date(Math.max(tat, now) + step);
      await tx
        .insert(providerPace)
        .values({ provider, tenant, tat: next })
        .onConflictDoUpdate({ target: [providerPace.provider, providerPace.tenant], set: { tat: next } });
      const [lease] = await tx
        .insert(providerLease)
        .values({ provider, tenant, expiresAt: new Date(now + opts.callTimeoutMs + LEASE_SLACK_MS) })
        .returning({ id: providerLease.id });
      return { lease: lease!.id };
    });

  return {
    async take(tenant) {
      for (;;) {
        const r = await tryTake(tenant);
        if ('lease' in r) {
          return async () => {
            await db.delete(providerLease).where(eq(providerLease.id, r.lease));
          };
        }
        await opts.sleep(r.waitMs);
      }
    },
    async backOff(tenant, ms) {
      // The pace's arrival time moved past the refusal: every process waits it out.
      const until = sql`clock_timestamp() + ${`${Math.ceil(ms + limits.burst * step)} milliseconds`}::interval`;
      await db
        .insert(providerPace)
        .values({ provider, tenant, tat: until })
        .onConflictDoUpdate({
          target: [providerPace.provider, providerPace.tenant],
          set: { tat: sql`greatest(${providerPace.tat}, ${until})` },
        });
    },
  };
}
