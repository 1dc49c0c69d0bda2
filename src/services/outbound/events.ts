import { randomUUID } from 'node:crypto';
import { and, desc, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { outboundDelivery, webhookEndpoint } from '../../db/schema/index.ts';
import { NotFoundError } from '../../errors.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { TokenCipher } from '../../lib/token-cipher.ts';
import { failureCode, newSigningSecret, postSignedJson, retryDelayMs } from './signed-post.ts';
import { audit } from '../audit.ts';
import type { ServiceContext } from '../context.ts';

/** Events a firm's integrations can subscribe to. */
export const EVENT_TYPES = [
  'reminder.sent',
  'promise.made',
  'dispute.opened',
  'handoff.status_changed',
  'credit.alert',
  'ledger.needs_reconnect',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

const MAX_OUTBOUND_ATTEMPTS = 8;

/**
 * Records an event for every active endpoint of the firm subscribed to it; delivery happens in
 * the background (deliverOutbound), so the action that caused it never waits on a receiver.
 */
export async function emitEvent(
  db: Db,
  firmId: string,
  type: EventType,
  data: Record<string, unknown>,
  now = new Date(),
) {
  const endpoints = await db
    .select({ id: webhookEndpoint.id, events: webhookEndpoint.events })
    .from(webhookEndpoint)
    .where(and(eq(webhookEndpoint.firmId, firmId), eq(webhookEndpoint.active, true)));
  const subscribed = endpoints.filter((e) => e.events.includes(type));
  if (subscribed.length === 0) return 0;
  const payload = { id: `evt_${randomUUID()}`, type, createdAt: now.toISOString(), data };
  await db
    .insert(outboundDelivery)
    .values(subscribed.map((e) => ({ firmId, endpointId: e.id, type, payload, nextAttemptAt: now })));
  return subscribed.length;
}

export async function createEndpoint(
  { ctx, input }: { ctx: ServiceContext; input: { url: string; events: EventType[] } },
  cipher: TokenCipher,
) {
  const id = randomUUID();
  const secret = newSigningSecret();
  await ctx.db
    .insert(webhookEndpoint)
    .values({ id, firmId: ctx.firmId, url: input.url, events: input.events, secret: await cipher.encrypt(secret, id) });
  await audit(
    ctx,
    'webhook_endpoint.created',
    { type: 'webhook_endpoint', id },
    { url: input.url, events: input.events },
  );
  return { id, url: input.url, events: input.events, secret };
}

export async function listEndpoints({ ctx }: { ctx: ServiceContext }) {
  const rows = await ctx.db.select().from(webhookEndpoint).where(eq(webhookEndpoint.firmId, ctx.firmId));
  return rows.map((r) => ({
    id: r.id,
    url: r.url,
    events: r.events,
    active: r.active,
    createdAt: r.createdAt.toISOString(),
  }));
}

/**
 * Deletes an endpoint: no new events are queued for it, and its pending deliveries are cancelled
 * (kept in its log as such), so a receiver its firm has let go is not called again.
 */
export async function deleteEndpoint({ ctx, input }: { ctx: ServiceContext; input: { id: string } }) {
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(webhookEndpoint)
      .set({ active: false })
      .where(and(eq(webhookEndpoint.id, input.id), eq(webhookEndpoint.firmId, ctx.firmId)))
      .returning({ id: webhookEndpoint.id });
    if (!row) throw new NotFoundError('webhook endpoint');
    const cancelled = await tx
      .update(outboundDelivery)
      .set({ status: 'cancelled', nextAttemptAt: null, lastError: 'endpoint deleted' })
      .where(and(eq(outboundDelivery.endpointId, row.id), eq(outboundDelivery.status, 'pending')))
      .returning({ id: outboundDelivery.id });
    return { id: row.id, active: false, cancelledDeliveries: cancelled.length };
  });
}

/** The delivery log of one endpoint, newest first. */
export async function listDeliveries({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { endpointId: string; limit: number };
}) {
  const [e] = await ctx.db
    .select({ id: webhookEndpoint.id })
    .from(webhookEndpoint)
    .where(and(eq(webhookEndpoint.id, input.endpointId), eq(webhookEndpoint.firmId, ctx.firmId)));
  if (!e) throw new NotFoundError('webhook endpoint');
  const rows = await ctx.db
    .select()
    .from(outboundDelivery)
    .where(eq(outboundDelivery.endpointId, e.id))
    .orderBy(desc(outboundDelivery.createdAt))
    .limit(input.limit);
  return rows.map((r) => ({
    id: r.id,
    eventId: (r.payload as { id: string }).id,
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.lastStatus,
    lastError: r.lastError,
    nextAttemptAt: r.nextAttemptAt?.toISOString() ?? null,
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
    createdAt: r.createdAt.toISOString(),
  }));
}

export type OutboundDeps = { db: Db; clock: Clock; logger: Logger; cipher: TokenCipher; fetch?: typeof fetch };

/**
 * Sends due deliveries (claimed with a lease, SKIP LOCKED): a signed POST with the event's id as
 * webhook-id (the same on every retry). 2xx delivers; anything else retries with backoff and,
 * after MAX_OUTBOUND_ATTEMPTS, fails for good (visible in the log).
 */
export async function deliverOutbound(deps: OutboundDeps, limit = 20) {
  const now = deps.clock.now();
  const claimed = await queryRows<{ id: string }>(
    deps.db,
    sql`update outbound_delivery set next_attempt_at = ${new Date(now.getTime() + 5 * 60_000).toISOString()}
        where id in (select id from outbound_delivery where status = 'pending' and next_attempt_at <= ${now.toISOString()}
                     order by next_attempt_at limit ${limit} for update skip locked)
        returning id`,
  );
  let delivered = 0;
  for (const { id } of claimed) {
    const [d] = await deps.db.select().from(outboundDelivery).where(eq(outboundDelivery.id, id));
    const [e] = await deps.db.select().from(webhookEndpoint).where(eq(webhookEndpoint.id, d!.endpointId));
    if (!e?.active || d!.status !== 'pending') {
      // Deleted between the claim and now: cancelled, not sent.
      await deps.db
        .update(outboundDelivery)
        .set({ status: 'cancelled', nextAttemptAt: null, lastError: 'endpoint deleted' })
        .where(and(eq(outboundDelivery.id, id), eq(outboundDelivery.status, 'pending')));
      continue;
    }
    const attempt = d!.attempts + 1;
    let status: number | null = null;
    let error: string | null = null;
    try {
      const secret = await deps.cipher.decrypt(e!.secret, e!.id);
      status = await postSignedJson(
        {
          url: e!.url,
          secret,
          webhookId: (d!.payload as { id: string }).id,
          payload: d!.payload,
          now: deps.clock.now(),
          userAgent: 'overdue-webhooks/1',
        },
        deps.fetch,
      );
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      error = failureCode(err);
    }
    const done = error === null;
    const gaveUp = !done && attempt >= MAX_OUTBOUND_ATTEMPTS;
    await deps.db
      .update(outboundDelivery)
      .set({
        attempts: attempt,
        lastStatus: status,
        lastError: error,
        status: done ? 'delivered' : gaveUp ? 'failed' : 'pending',
        deliveredAt: done ? now : null,
        nextAttemptAt: done || gaveUp ? null : new Date(now.getTime() + retryDelayMs(attempt)),
      })
      .where(eq(outboundDelivery.id, id));
    if (done) delivered++;
  }
  return { claimed: claimed.length, delivered };
}
