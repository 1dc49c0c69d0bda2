import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { apiToken, membership, membershipLedger, session } from '../db/schema/index.ts';
import { randomToken, sha256 } from '../lib/secrets.ts';
import type { Actor } from './context.ts';

export const SESSION_COOKIE = 'overdue_session';
const SESSION_DAYS = 14;

/** Who is calling. `ledgerIds` is set for members: the only ledgers they may act on. */
export type Principal = {
  firmId: string;
  actor: Actor;
  role: 'owner' | 'admin' | 'member' | 'viewer';
  sessionId?: string;
  ledgerIds?: string[];
};

/** Starts a browser session; returns the cookie value (its hash is the row id). */
export async function createSession(db: Db, userId: string, firmId: string, now: Date): Promise<string> {
  const token = randomToken();
  await db.insert(session).values({
    id: sha256(token),
    userId,
    firmId,
    expiresAt: new Date(now.getTime() + SESSION_DAYS * 86_400_000),
  });
  return token;
}

/** Sign-out: the session row goes, so a copied cookie stops working too. */
export async function endSessionByCookie(db: Db, cookie: string) {
  await db.delete(session).where(eq(session.id, sha256(cookie)));
}

export async function sessionPrincipal(db: Db, cookie: string, now: Date): Promise<Principal | null> {
  const [row] = await db
    .select({ id: session.id, userId: session.userId, firmId: session.firmId, role: membership.role })
    .from(session)
    .innerJoin(membership, and(eq(membership.userId, session.userId), eq(membership.firmId, session.firmId)))
    .where(and(eq(session.id, sha256(cookie)), gt(session.expiresAt, now)));
  if (!row) return null;
  const principal: Principal = {
    firmId: row.firmId,
    actor: { type: 'user', userId: row.userId },
    role: row.role,
    sessionId: row.id,
  };
  if (row.role === 'member') {
    const assigned = await db
      .select({ id: membershipLedger.ledgerId })
      .from(membershipLedger)
      .where(and(eq(membershipLedger.firmId, row.firmId), eq(membershipLedger.userId, row.userId)));
    principal.ledgerIds = assigned.map((a) => a.id);
  }
  return principal;
}

/** Creates an API token for a firm; the plaintext is returned once and never stored. */
export async function createApiToken(db: Db, firmId: string, name: string, scopes: string[] = ['admin']) {
  const token = randomToken('odt_');
  const [row] = await db
    .insert(apiToken)
    .values({ firmId, name, tokenHash: sha256(token), scopes })
    .returning({ id: apiToken.id });
  return { id: row!.id, token };
}

export async function tokenPrincipal(db: Db, bearer: string, now: Date): Promise<Principal | null> {
  const [row] = await db
    .select()
    .from(apiToken)
    .where(and(eq(apiToken.tokenHash, sha256(bearer)), isNull(apiToken.revokedAt)));
  if (!row) return null;
  await db.update(apiToken).set({ lastUsedAt: now }).where(eq(apiToken.id, row.id));
  const role = row.scopes.includes('admin') ? 'admin' : row.scopes.includes('write') ? 'member' : 'viewer';
  return { firmId: row.firmId, actor: { type: 'token', tokenId: row.id }, role };
}
