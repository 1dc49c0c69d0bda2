import { and, asc, count, eq, gt, inArray, isNull } from 'drizzle-orm';
import { apiToken, appUser, firm, invite, ledger, membership, membershipLedger } from '../db/schema/index.ts';
import { AppError, ConflictError, NotFoundError } from '../errors.ts';
import { randomToken, sha256 } from '../lib/secrets.ts';
import type { Mailer } from '../notify/mailer.ts';
import { escapeHtml } from '../domain/cadence/templates.ts';
import { audit } from './audit.ts';
import type { ServiceContext } from './context.ts';
import { createApiToken } from './sessions.ts';

type Role = 'owner' | 'admin' | 'member' | 'viewer';
/** Token scopes: read (viewer), write (member), admin. */
export type TokenScope = 'read' | 'write' | 'admin';
const INVITE_DAYS = 7;

// ---- API tokens --------------------------------------------------------------------------

export async function listTokens({ ctx }: { ctx: ServiceContext }) {
  const rows = await ctx.db
    .select()
    .from(apiToken)
    .where(eq(apiToken.firmId, ctx.firmId))
    .orderBy(asc(apiToken.createdAt));
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    scopes: t.scopes,
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
    createdAt: t.createdAt.toISOString(),
  }));
}

/** A new token; its plaintext is returned once (only its hash is kept). */
export async function issueToken({ ctx, input }: { ctx: ServiceContext; input: { name: string; scope: TokenScope } }) {
  const t = await createApiToken(ctx.db, ctx.firmId, input.name, [input.scope]);
  await audit(ctx, 'token.created', { type: 'api_token', id: t.id }, { name: input.name, scope: input.scope });
  return { id: t.id, name: input.name, scope: input.scope, token: t.token };
}

export async function revokeToken({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const [row] = await ctx.db
    .update(apiToken)
    .set({ revokedAt: ctx.clock.now() })
    .where(and(eq(apiToken.id, input.id), eq(apiToken.firmId, ctx.firmId), isNull(apiToken.revokedAt)))
    .returning({ id: apiToken.id });
  if (!row) throw new NotFoundError('token');
  await audit(ctx, 'token.revoked', { type: 'api_token', id: row.id });
  return { id: row.id, revoked: true };
}

// ---- members -----------------------------------------------------------------------------

export async function listMembers({ ctx }: { ctx: ServiceContext }) {
  const rows = await ctx.db
    .select({ userId: appUser.id, email: appUser.email, name: appUser.name, role: membership.role })
    .from(membership)
    .innerJoin(appUser, eq(appUser.id, membership.userId))
    .where(eq(membership.firmId, ctx.firmId))
    .orderBy(asc(appUser.email));
  const assigned = await ctx.db.select().from(membershipLedger).where(eq(membershipLedger.firmId, ctx.firmId));
  return rows.map((r) => ({ ...r, ledgerIds: assigned.filter((a) => a.userId === r.userId).map((a) => a.ledgerId) }));
}

async function firmLedgers(ctx: ServiceContext, ids: string[]) {
  if (ids.length === 0) return;
  const found = await ctx.db
    .select({ id: ledger.id })
    .from(ledger)
    .where(and(eq(ledger.firmId, ctx.firmId), inArray(ledger.id, ids)));
  if (found.length !== new Set(ids).size) throw new NotFoundError('ledger');
}

/** Changes a member's role and, for members, their ledgers. The firm always keeps an owner. */
export async function updateMember(
  { ctx, input }: { ctx: ServiceContext; input: { userId: string; role?: Role; ledgerIds?: string[] } },
  actorRole: Role,
) {
  if (input.role === 'owner' && actorRole !== 'owner')
    throw new AppError('forbidden', 'only an owner can make someone an owner');
  const [m] = await ctx.db
    .select()
    .from(membership)
    .where(and(eq(membership.firmId, ctx.firmId), eq(membership.userId, input.userId)));
  if (!m) throw new NotFoundError('member');
  if (m.role === 'owner' && actorRole !== 'owner') throw new AppError('forbidden', 'only an owner can change an owner');
  await firmLedgers(ctx, input.ledgerIds ?? []);
  return ctx.db.transaction(async (tx) => {
    if (input.role && input.role !== m.role) {
      if (m.role === 'owner') {
        const [owners] = await tx
          .select({ n: count() })
          .from(membership)
          .where(and(eq(membership.firmId, ctx.firmId), eq(membership.role, 'owner')));
        if ((owners?.n ?? 0) <= 1) throw new ConflictError('the firm must keep at least one owner');
      }
      await tx
        .update(membership)
        .set({ role: input.role })
        .where(and(eq(membership.firmId, ctx.firmId), eq(membership.userId, m.userId)));
    }
    if (input.ledgerIds) {
      await tx
        .delete(membershipLedger)
        .where(and(eq(membershipLedger.firmId, ctx.firmId), eq(membershipLedger.userId, m.userId)));
      if (input.ledgerIds.length)
        await tx
          .insert(membershipLedger)
          .values(
            [...new Set(input.ledgerIds)].map((ledgerId) => ({ firmId: ctx.firmId, userId: m.userId, ledgerId })),
          );
    }
    await audit(
      ctx,
      'member.updated',
      { type: 'user', id: m.userId },
      { role: input.role ?? m.role, ledgerIds: input.ledgerIds ?? null },
      tx,
    );
    return { userId: m.userId, role: input.role ?? m.role, ledgerIds: input.ledgerIds ?? null };
  });
}

/** The firms a person belongs to, with their role in each. */
export async function firmsOf(db: ServiceContext['db'], userId: string) {
  return db
    .select({ id: firm.id, name: firm.name, role: membership.role })
    .from(membership)
    .innerJoin(firm, eq(firm.id, membership.firmId))
    .where(eq(membership.userId, userId))
    .orderBy(asc(firm.name));
}

// ---- invitations -------------------------------------------------------------------------

/**
 * Invites someone by email: a single-use link valid for 7 days, sent by mail. The link is also
 * returned to the admin who asked (mail may be captured, or land in spam).
 */
export async function createInvite(
  { ctx, input }: { ctx: ServiceContext; input: { email: string; role: Role; ledgerIds?: string[] } },
  deps: { mailer: Mailer; publicUrl: string; mailFrom: string },
) {
  await firmLedgers(ctx, input.ledgerIds ?? []);
  const token = randomToken('odi_');
  const [row] = await ctx.db
    .insert(invite)
    .values({
      firmId: ctx.firmId,
      email: input.email.toLowerCase(),
      role: input.role,
      ledgerIds: input.ledgerIds ?? [],
      tokenHash: sha256(token),
      createdBy: ctx.actor.type === 'user' ? ctx.actor.userId : null,
      expiresAt: new Date(ctx.clock.now().getTime() + INVITE_DAYS * 86_400_000),
    })
    .returning();
  const [f] = await ctx.db.select({ name: firm.name }).from(firm).where(eq(firm.id, ctx.firmId));
  const link = `${deps.publicUrl}/invite/${token}`;
  await deps.mailer
    .send({
      fromName: 'overdue',
      fromAddress: deps.mailFrom,
      to: [input.email],
      cc: [],
      subject: `You are invited to ${f!.name} on overdue`,
      text: `You have been invited to join ${f!.name} on overdue as ${input.role}.\n\nAccept within ${INVITE_DAYS} days: ${link}\n`,
      html: `<p>You have been invited to join <b>${escapeHtml(f!.name)}</b> on overdue as ${input.role}.</p><p><a href="${link}">Accept the invitation</a> within ${INVITE_DAYS} days.</p>`,
      idempotencyKey: `invite-${row!.id}`,
    })
    .catch((err: Error) => ctx.logger.warn('invitation mail not sent', { inviteId: row!.id, error: err.name }));
  await audit(
    ctx,
    'member.invited',
    { type: 'invite', id: row!.id },
    { email: input.email.toLowerCase(), role: input.role },
  );
  return { id: row!.id, email: row!.email, role: row!.role, expiresAt: row!.expiresAt.toISOString(), link };
}

export async function listInvites({ ctx }: { ctx: ServiceContext }) {
  const rows = await ctx.db
    .select()
    .from(invite)
    .where(
      and(
        eq(invite.firmId, ctx.firmId),
        isNull(invite.acceptedAt),
        isNull(invite.revokedAt),
        gt(invite.expiresAt, ctx.clock.now()),
      ),
    );
  return rows.map((r) => ({ id: r.id, email: r.email, role: r.role, expiresAt: r.expiresAt.toISOString() }));
}

export async function revokeInvite({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const [row] = await ctx.db
    .update(invite)
    .set({ revokedAt: ctx.clock.now() })
    .where(and(eq(invite.id, input.id), eq(invite.firmId, ctx.firmId), isNull(invite.acceptedAt)))
    .returning({ id: invite.id });
  if (!row) throw new NotFoundError('invite');
  return { id: row.id, revoked: true };
}

/** The invitation behind a link, if it can still be accepted. */
export async function findInvite(db: ServiceContext['db'], token: string, now: Date) {
  const [row] = await db
    .select({ i: invite, firmName: firm.name })
    .from(invite)
    .innerJoin(firm, eq(firm.id, invite.firmId))
    .where(eq(invite.tokenHash, sha256(token)));
  if (!row || row.i.acceptedAt || row.i.revokedAt || row.i.expiresAt <= now) return null;
  return row;
}

/** Accepts an invitation for the signed-in user: membership (never lowering a role they have) and ledgers. */
export async function acceptInvite(db: ServiceContext['db'], token: string, userId: string, now: Date) {
  return db.transaction(async (tx) => {
    const found = await findInvite(tx, token, now);
    if (!found) throw new AppError('not_found', 'this invitation is not valid any more: ask for a new one');
    const i = found.i;
    const [existing] = await tx
      .select()
      .from(membership)
      .where(and(eq(membership.firmId, i.firmId), eq(membership.userId, userId)));
    if (!existing) await tx.insert(membership).values({ firmId: i.firmId, userId, role: i.role });
    if (i.ledgerIds.length)
      await tx
        .insert(membershipLedger)
        .values(i.ledgerIds.map((ledgerId) => ({ firmId: i.firmId, userId, ledgerId })))
        .onConflictDoNothing();
    const claimed = await tx
      .update(invite)
      .set({ acceptedAt: now, acceptedBy: userId })
      .where(and(eq(invite.id, i.id), isNull(invite.acceptedAt)))
      .returning({ id: invite.id });
    if (claimed.length === 0)
      throw new AppError('not_found', 'this invitation is not valid any more: ask for a new one');
    return { firmId: i.firmId, firmName: found.firmName, role: existing?.role ?? i.role };
  });
}
