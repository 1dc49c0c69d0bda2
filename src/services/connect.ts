import { and, eq, inArray, sql } from 'drizzle-orm';
import { pkcePair } from '../../connectors/xero/oauth.ts';
import type { Ledger } from '../../connectors/types.ts';
import { connection, ledger, oauthState } from '../db/schema/index.ts';
import { PreconditionError, ValidationError } from '../errors.ts';
import { randomToken, sha256 } from '../lib/secrets.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';
import { audit } from './audit.ts';
import type { ServiceContext } from './context.ts';
import type { Integrations } from './integrations.ts';
import type { JobQueue } from './jobs.ts';

const STATE_TTL_MS = 10 * 60_000;

export type ConnectDeps = { cipher: TokenCipher; integrations: Integrations; jobs: JobQueue };

/** Starts a Xero consent: a single-use state bound to this browser session, with a PKCE verifier. */
export async function startXeroConnect(
  { ctx, input }: { ctx: ServiceContext; input: { sessionId: string } },
  deps: ConnectDeps,
): Promise<string> {
  const xero = deps.integrations.xero;
  if (!xero) throw new PreconditionError('Xero is not configured on this server');
  const state = randomToken();
  const id = sha256(state);
  const pkce = pkcePair();
  await ctx.db.insert(oauthState).values({
    id,
    sessionId: input.sessionId,
    firmId: ctx.firmId,
    provider: 'xero',
    codeVerifier: await deps.cipher.encrypt(pkce.verifier, id),
    expiresAt: new Date(ctx.clock.now().getTime() + STATE_TTL_MS),
  });
  return xero.oauth.authorizationUrl(state, pkce.challenge);
}

/**
 * Finishes a consent: the state must be known, unused, unexpired and from this session, or no
 * code is exchanged. One consent may cover many organisations: each becomes (or updates) a ledger.
 */
export async function completeXeroConnect(
  { ctx, input }: { ctx: Omit<ServiceContext, 'firmId' | 'actor'>; input: { callbackUrl: string; sessionId: string | null } },
  deps: ConnectDeps,
) {
  const xero = deps.integrations.xero;
  if (!xero) throw new PreconditionError('Xero is not configured on this server');
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
  if (!row || row.provider !== 'xero') throw new ValidationError('unknown or already used consent state');
  if (row.expiresAt <= now) throw new ValidationError('the consent took too long; start again');
  if (!input.sessionId || row.sessionId !== input.sessionId) throw new ValidationError('the consent was started in another session');
  const denied = params.get('error');
  if (denied) throw new ValidationError(`Xero did not grant access (${denied})`);
  if (!params.get('code')) throw new ValidationError('the consent callback has no code', [{ path: 'code', message: 'required' }]);

  const verifier = await deps.cipher.decrypt(row.codeVerifier, row.id);
  const { tokens, identity } = await xero.oauth.exchange(input.callbackUrl, state, verifier, now.getTime());
  const firmCtx: ServiceContext = { ...ctx, firmId: row.firmId, actor: { type: 'system', name: 'oauth' } };

  // Re-consent by the same Xero user updates its connection instead of adding another.
  const [existing] = identity.userId
    ? await ctx.db
        .select({ id: connection.id })
        .from(connection)
        .where(and(eq(connection.firmId, row.firmId), eq(connection.provider, 'xero'), eq(connection.externalId, identity.userId)))
    : [];
  const connectionId =
    existing?.id ??
    (await ctx.db
      .insert(connection)
      .values({ firmId: row.firmId, provider: 'xero', externalId: identity.userId ?? null })
      .returning({ id: connection.id }))[0]!.id;
  await deps.integrations.tokens.store(ctx.db, connectionId, tokens);

  const tenants = await xero.connector(connectionId, 'UTC').listLedgers();
  const ledgers = await upsertLedgers(firmCtx, connectionId, tenants);
  for (const l of ledgers) await deps.jobs.enqueueSync(l.id);
  await audit(firmCtx, 'connection.connected', { type: 'connection', id: connectionId }, {
    provider: 'xero',
    ledgers: ledgers.map((l) => l.id),
  });
  return { firmId: row.firmId, connectionId, ledgers };
}

async function upsertLedgers(ctx: ServiceContext, connectionId: string, tenants: Ledger[]) {
  if (tenants.length === 0) return [];
  const known = await ctx.db
    .select({ id: ledger.id, externalId: ledger.externalId, settings: ledger.settings })
    .from(ledger)
    .where(and(eq(ledger.firmId, ctx.firmId), eq(ledger.provider, 'xero'), inArray(ledger.externalId, tenants.map((t) => t.externalId))));
  const byTenant = new Map(known.map((k) => [k.externalId, k]));
  const out: { id: string; name: string; created: boolean }[] = [];
  for (const t of tenants) {
    const fields = {
      connectionId,
      name: t.name,
      legalName: t.legalName ?? null,
      baseCurrency: t.baseCurrency,
      timezone: t.timezone,
      country: t.country ?? null,
      status: 'active' as const,
      updatedAt: ctx.clock.now(),
    };
    const prior = byTenant.get(t.externalId);
    if (prior) {
      await ctx.db
        .update(ledger)
        .set({ ...fields, settings: { ...prior.settings, xeroConnectionRef: t.connectionRef } })
        .where(eq(ledger.id, prior.id));
      out.push({ id: prior.id, name: t.name, created: false });
    } else {
      const [created] = await ctx.db
        .insert(ledger)
        .values({ firmId: ctx.firmId, provider: 'xero', externalId: t.externalId, settings: { xeroConnectionRef: t.connectionRef }, ...fields })
        .returning({ id: ledger.id });
      out.push({ id: created!.id, name: t.name, created: true });
    }
  }
  return out;
}
