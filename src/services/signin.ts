import { and, asc, eq, sql } from 'drizzle-orm';
import type { ExternalProvider, Identity } from '../../connectors/types.ts';
import type { Db } from '../db/client.ts';
import { appUser, firm, membership, oauthState, userIdentity } from '../db/schema/index.ts';
import { ValidationError } from '../errors.ts';
import { pkcePair, randomToken, sha256 } from '../lib/secrets.ts';
import type { TokenCipher } from '../lib/token-cipher.ts';
import type { Integrations } from './integrations.ts';
import { createSession } from './sessions.ts';

const STATE_TTL_MS = 10 * 60_000;
type Deps = { db: Db; cipher: TokenCipher; integrations: Integrations; now: Date };

/**
 * Starts a sign-in: single-use state bound to this browser (a pre-session cookie), PKCE, and
 * where to go afterwards. Returns the provider's consent URL.
 */
export async function startSignIn(
  deps: Deps,
  input: { provider: ExternalProvider; browser: string; next: string },
): Promise<string> {
  const signIn = deps.integrations.port(input.provider).signIn;
  const state = randomToken();
  const id = sha256(state);
  const pkce = pkcePair();
  await deps.db.insert(oauthState).values({
    id,
    sessionId: sha256(input.browser),
    provider: input.provider,
    purpose: 'signin',
    next: input.next,
    codeVerifier: await deps.cipher.encrypt(pkce.verifier, id),
    expiresAt: new Date(deps.now.getTime() + STATE_TTL_MS),
  });
  return signIn.authorizationUrl(state, pkce.challenge);
}

/**
 * Finishes a sign-in. The state must be known, unused, unexpired and from this browser, or no
 * code is exchanged. The person is found by their provider identity, else by the verified email
 * of an existing user, else created with a firm of their own (as owner). Returns a session.
 */
export async function completeSignIn(
  deps: Deps,
  input: { provider: ExternalProvider; callbackUrl: string; browser: string | null },
) {
  const signIn = deps.integrations.port(input.provider).signIn;
  const params = new URL(input.callbackUrl).searchParams;
  const state = params.get('state');
  if (!state) throw new ValidationError('the sign-in callback has no state');
  const [row] = await deps.db
    .update(oauthState)
    .set({ usedAt: deps.now })
    .where(and(eq(oauthState.id, sha256(state)), sql`${oauthState.usedAt} is null`))
    .returning();
  if (!row || row.provider !== input.provider || row.purpose !== 'signin')
    throw new ValidationError('unknown or already used sign-in state');
  if (row.expiresAt <= deps.now) throw new ValidationError('the sign-in took too long; start again');
  if (!input.browser || row.sessionId !== sha256(input.browser))
    throw new ValidationError('the sign-in was started in another browser');
  if (params.get('error')) throw new ValidationError(`${input.provider} did not sign you in (${params.get('error')})`);
  if (!params.get('code')) throw new ValidationError('the sign-in callback has no code');
  const identity = await signIn.identify(input.callbackUrl, state, await deps.cipher.decrypt(row.codeVerifier, row.id));
  const { userId, firmId, created } = await userFor(deps.db, input.provider, identity);
  return { token: await createSession(deps.db, userId, firmId, deps.now), next: row.next ?? '/', created };
}

async function userFor(db: Db, provider: string, who: Identity) {
  return db.transaction(async (tx) => {
    const [linked] = await tx
      .select({ userId: userIdentity.userId })
      .from(userIdentity)
      .where(and(eq(userIdentity.provider, provider), eq(userIdentity.subject, who.subject)));
    let userId = linked?.userId;
    let created = false;
    if (!userId && who.email) {
      const [byEmail] = await tx
        .select({ id: appUser.id })
        .from(appUser)
        .where(eq(appUser.email, who.email.toLowerCase()));
      userId = byEmail?.id;
    }
    if (!userId) {
      const [u] = await tx
        .insert(appUser)
        .values({
          email: (who.email ?? `${provider}-${who.subject}@users.overdue.invalid`).toLowerCase(),
          name: who.name ?? null,
        })
        .returning({ id: appUser.id });
      userId = u!.id;
      created = true;
    }
    if (!linked)
      await tx
        .insert(userIdentity)
        .values({ provider, subject: who.subject, userId, email: who.email ?? null })
        .onConflictDoNothing();
    const [m] = await tx
      .select({ firmId: membership.firmId })
      .from(membership)
      .where(eq(membership.userId, userId))
      .orderBy(asc(membership.createdAt))
      .limit(1);
    if (m) return { userId, firmId: m.firmId, created };
    // A first sign-in: the person's own firm, which they own; invitations add them to others.
    const [f] = await tx
      .insert(firm)
      .values({ name: who.name ? `${who.name}'s firm` : 'My firm' })
      .returning({ id: firm.id });
    await tx.insert(membership).values({ firmId: f!.id, userId, role: 'owner' });
    return { userId, firmId: f!.id, created: true };
  });
}
