import { ledgerSettings } from '../domain/ledger-settings.ts';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ExternalProvider, Ledger } from '../../connectors/types.ts';
import { connection, ledger, oauthState } from '../db/schema/index.ts';
import { ValidationError } from '../errors.ts';
import { pkcePair, randomToken, sha256 } from '../lib/secrets.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';
import { audit } from './audit.ts';
import type { ServiceContext } from './context.ts';
import type { Integrations } from './integrations.ts';
import type { JobQueue } from './jobs.ts';

const STATE_TTL_MS = 10 * 60_000;
export type ConnectDeps = { cipher: TokenCipher; integrations: Integrations; jobs: JobQueue };

/** Starts a consent: a single-use state bound to this browser session, with a PKCE verifier. */
export async function startConnect(
  { ctx, input }: { ctx: ServiceContext; input: { provider: ExternalProvider; sessionId: string } },
  deps: ConnectDeps,
): Promise<string> {
  const port = deps.integrations.port(input.provider);
  const state = randomToken();
  const id = sha256(state);
  const pkce = pkcePair();
  await ctx.db.insert(oauthState).values({
    id,
    sessionId: input.sessionId,
    firmId: ctx.firmId,
    provider: input.provider,
    codeVerifier: await deps.cipher.encrypt(pkce.verifier, id),
    expiresAt: new Date(ctx.clock.now().getTime() + STATE_TTL_MS),
  });
  return port.authorizationUrl(state, pkce.challenge);
}

/**
 * Finishes a consent: the state must be known, unused, unexpired and from this session, or no
 * code is exchanged. One consent may cover many organisations: each becomes (or updates) a ledger.
 */
export async function completeConnect(
  {
    ctx,
    input,
  }: {
    ctx: Omit<ServiceContext, 'firmId' | 'actor'>;
    input: { provider: ExternalProvider; callbackUrl: string; sessionId: string | null };
  },
  deps: ConnectDeps,
) {
  const port = deps.integrations.port(input.provider);
  const params = new URL(input.callbackUrl).searchParams;
  const state = params.get('state');
  if (!state) throw new ValidationError('the consent callback has no state', [{ path: 'state', message: 'required' }]);
  const now = ctx.clock.now();
  // Consumed atomically: a replayed or concurrent callback finds it used.
  const [row] = await ctx.db
    .update(oauthState)
    .set({ usedAt: now })
    .where(and(eq(oauthState.id, sha256(state)), sql`${oauthState.usedAt} is null`))
    .returning();
  if (!row || row.provider !== input.provider || row.purpose !== 'connect' || !row.firmId)
    throw new ValidationError('unknown or already used consent state');
  if (row.expiresAt <= now) throw new ValidationError('the consent took too long; start again');
  if (!input.sessionId || row.sessionId !== input.sessionId)
    throw new ValidationError('the consent was started in another session');
  const denied = params.get('error');
  if (denied) throw new ValidationError(`${input.provider} did not grant access (${denied})`);
  if (!params.get('code'))
    throw new ValidationError('the consent callback has no code', [{ path: 'code', message: 'required' }]);

  const verifier = await deps.cipher.decrypt(row.codeVerifier, row.id);
  const result = await port.completeConsent(input.callbackUrl, state, verifier, now.getTime());
  const firmId = row.firmId;
  const firmCtx: ServiceContext = { ...ctx, firmId, actor: { type: 'system', name: 'oauth' } };

  // Re-consent by the same user (Xero) or for the same realm (QuickBooks) updates its connection.
  const [existing] = result.grantId
    ? await ctx.db
        .select({ id: connection.id })
        .from(connection)
        .where(
          and(
            eq(connection.firmId, row.firmId),
            eq(connection.provider, input.provider),
            eq(connection.externalId, result.grantId),
          ),
        )
    : [];
  const connectionId =
    existing?.id ??
    (
      await ctx.db
        .insert(connection)
        .values({ firmId: row.firmId, provider: input.provider, externalId: result.grantId ?? null })
        .returning({ id: connection.id })
    )[0]!.id;
  await deps.integrations.tokens.store(ctx.db, connectionId, result.tokens);

  const listed = await result.tenants(connectionId);
  // Each organisation of the consent on its own: one that cannot be read is reported, not imported.
  const unavailable = listed
    .filter((l) => l.unavailable)
    .map((l) => ({ externalId: l.externalId, name: l.name, reason: l.unavailable! }));
  const ledgers = await upsertLedgers(
    firmCtx,
    input.provider,
    connectionId,
    listed.filter((l) => !l.unavailable),
  );
  for (const l of ledgers) await deps.jobs.enqueueSync(l.id);
  if (unavailable.length)
    ctx.logger.warn('organisations of the consent could not be read', { connectionId, unavailable });
  await audit(
    firmCtx,
    'connection.connected',
    { type: 'connection', id: connectionId },
    {
      provider: input.provider,
      ledgers: ledgers.map((l) => l.id),
      unavailable,
    },
  );
  return { firmId: row.firmId, connectionId, ledgers, unavailable };
}

async function upsertLedgers(ctx: ServiceContext, provider: ExternalProvider, connectionId: string, found: Ledger[]) {
  if (found.length === 0) return [];
  const known = await ctx.db
    .select({ id: ledger.id, externalId: ledger.externalId, settings: ledger.settings, timezone: ledger.timezone })
    .from(ledger)
    .where(
      and(
        eq(ledger.firmId, ctx.firmId),
        eq(ledger.provider, provider),
        inArray(
          ledger.externalId,
          found.map((t) => t.externalId),
        ),
      ),
    );
  const byExternal = new Map(known.map((k) => [k.externalId, k]));
  const out: { id: string; name: string; created: boolean }[] = [];
  for (const t of found) {
    const fields = {
      connectionId,
      name: t.name,
      legalName: t.legalName ?? null,
      baseCurrency: t.baseCurrency,
      timezone: t.timezone,
      country: t.country ?? null,
      // Reconnected: whatever stopped it is over (a provider-side disconnection, a parked day).
      status: 'active' as const,
      statusReason: null,
      statusChangedAt: ctx.clock.now(),
      pausedUntil: null,
      pauseReason: null,
      updatedAt: ctx.clock.now(),
    };
    const extra = {
      ...(t.connectionRef ? { connectionRef: t.connectionRef } : {}),
      // The provider did not say the zone: the ledger page asks the owner to confirm the guess.
      timezoneGuessed: Boolean(t.timezoneGuessed),
    };
    const prior = byExternal.get(t.externalId);
    if (prior) {
      // A zone the owner set stays theirs: reconnecting does not put the provider's guess back.
      const ownerZone = ledgerSettings(prior.settings).timezoneSetBy === 'owner';
      await ctx.db
        .update(ledger)
        .set({
          ...fields,
          ...(ownerZone ? { timezone: prior.timezone } : {}),
          settings: { ...prior.settings, ...extra, ...(ownerZone ? { timezoneGuessed: false } : {}) },
        })
        .where(eq(ledger.id, prior.id));
      out.push({ id: prior.id, name: t.name, created: false });
    } else {
      const [created] = await ctx.db
        .insert(ledger)
        .values({ firmId: ctx.firmId, provider, externalId: t.externalId, settings: extra, ...fields })
        .returning({ id: ledger.id });
      out.push({ id: created!.id, name: t.name, created: true });
    }
  }
  return out;
}
