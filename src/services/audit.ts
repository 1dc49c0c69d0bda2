import type { Db } from '../db/client.ts';
import { auditLog } from '../db/schema/index.ts';
import type { ServiceContext } from './context.ts';

const actorId = (ctx: ServiceContext) =>
  ctx.actor.type === 'user' ? ctx.actor.userId : ctx.actor.type === 'token' ? ctx.actor.tokenId : ctx.actor.name;

/** Appends who did what; runs in the caller's transaction when given one. */
export async function audit(
  ctx: ServiceContext,
  action: string,
  subject: { type: string; id: string },
  data?: unknown,
  db: Db = ctx.db,
) {
  await db.insert(auditLog).values({
    firmId: ctx.firmId,
    actorType: ctx.actor.type,
    actorId: actorId(ctx),
    action,
    subjectType: subject.type,
    subjectId: subject.id,
    data: data ?? null,
  });
}
