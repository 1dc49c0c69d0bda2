import type { ExternalProvider } from '../../connectors/types.ts';
import { and, desc, eq, gte, lt, type SQL, sql } from 'drizzle-orm';
import { ledger, webhookEvent, webhookEventFields } from '../db/schema/index.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { eventPayload } from '../../webhooks/payload.ts';
import { audit } from './audit.ts';
import type { ServiceContext } from './context.ts';
import type { InboxKey, JobQueue } from './jobs.ts';

type Status = (typeof webhookEvent.$inferSelect)['status'];

/** Events belong to a firm through its ledgers: the event's provider account is one of them. */
function ownedBy(ctx: ServiceContext, ledgerId?: string): SQL {
  return sql`exists (select 1 from ${ledger} where ${ledger.firmId} = ${ctx.firmId}
    and ${ledger.provider} = ${webhookEvent.provider} and ${ledger.externalId} = ${webhookEvent.accountRef}
    ${ledgerId ? sql`and ${ledger.id} = ${ledgerId}` : sql``})`;
}

const view = (r: Omit<typeof webhookEvent.$inferSelect, 'rawBody' | 'headers'>) => ({
  id: r.id,
  provider: r.provider,
  accountRef: r.accountRef,
  entity: r.entity,
  entityId: r.entityId,
  operation: r.operation,
  occurredAt: r.occurredAt?.toISOString() ?? null,
  receivedAt: r.receivedAt.toISOString(),
  status: r.status,
  attempts: r.attempts,
  nextAttemptAt: r.status === 'failed' ? r.nextAttemptAt.toISOString() : null,
  error: r.error,
  processedAt: r.processedAt?.toISOString() ?? null,
});

export type ListEventsInput = {
  status?: Status;
  provider?: ExternalProvider;
  ledgerId?: string;
  before?: Date;
  limit: number;
};

/** The firm's inbox, newest first; page with `before` = the last row's receivedAt. */
export async function listWebhookEvents({ ctx, input }: { ctx: ServiceContext; input: ListEventsInput }) {
  const rows = await ctx.db
    .select(webhookEventFields)
    .from(webhookEvent)
    .where(
      and(
        ownedBy(ctx, input.ledgerId),
        input.status ? eq(webhookEvent.status, input.status) : undefined,
        input.provider ? eq(webhookEvent.provider, input.provider) : undefined,
        input.before ? lt(webhookEvent.receivedAt, input.before) : undefined,
      ),
    )
    .orderBy(desc(webhookEvent.receivedAt), desc(webhookEvent.id))
    .limit(input.limit);
  return rows.map(view);
}

export async function getWebhookEvent({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  const [row] = await ctx.db
    .select({ ...webhookEventFields, rawBody: webhookEvent.rawBody })
    .from(webhookEvent)
    .where(and(eq(webhookEvent.id, input.id), ownedBy(ctx)));
  if (!row) throw new NotFoundError('webhook event');
  return { ...view(row), payload: eventPayload(row) ?? {} };
}

export type ReplayInput =
  | { kind: 'one'; id: string }
  | { kind: 'range'; from: Date; to: Date; status?: Status; ledgerId?: string }
  | { kind: 'dead'; ledgerId?: string };

/**
 * Puts events back to `received` (attempts reset) and queues their accounts. Processing re-fetches
 * the entity, so replaying an already processed event is safe: it only brings the mirror up to date.
 */
export async function replayWebhookEvents(
  { ctx, input }: { ctx: ServiceContext; input: ReplayInput },
  jobs: Pick<JobQueue, 'enqueueInbox'>,
) {
  let where: SQL | undefined;
  if (input.kind === 'one') where = and(eq(webhookEvent.id, input.id), ownedBy(ctx));
  else if (input.kind === 'dead') where = and(eq(webhookEvent.status, 'dead'), ownedBy(ctx, input.ledgerId));
  else {
    if (!(input.from < input.to))
      throw new ValidationError('from must be before to', [{ path: 'from', message: 'must be before to' }]);
    where = and(
      gte(webhookEvent.receivedAt, input.from),
      lt(webhookEvent.receivedAt, input.to),
      input.status ? eq(webhookEvent.status, input.status) : undefined,
      ownedBy(ctx, input.ledgerId),
    );
  }
  const rows = await ctx.db
    .update(webhookEvent)
    .set({ status: 'received', attempts: 0, error: null, nextAttemptAt: ctx.clock.now(), processedAt: null })
    .where(where)
    .returning({ id: webhookEvent.id, provider: webhookEvent.provider, accountRef: webhookEvent.accountRef });
  if (input.kind === 'one' && rows.length === 0) throw new NotFoundError('webhook event');
  const accounts = new Map<string, InboxKey>();
  for (const r of rows)
    accounts.set(`${r.provider}:${r.accountRef}`, {
      provider: r.provider as InboxKey['provider'],
      accountRef: r.accountRef,
    });
  for (const key of accounts.values()) await jobs.enqueueInbox(key);
  await audit(
    ctx,
    'webhook_events.replay',
    { type: 'webhook_event', id: input.kind === 'one' ? input.id : input.kind },
    { count: rows.length },
  );
  return { replayed: rows.length };
}
