import { eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../db/client.ts';
import { agency, auditLog, handoff, handoffEvent } from '../../db/schema/index.ts';
import { restrict } from '../../domain/handoff/case-file.ts';
import { caseCsv, statementHtml } from '../../domain/handoff/exports.ts';
import { formatMoney } from '../../domain/money.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import type { TokenCipher } from '../../lib/token-cipher.ts';
import type { Mailer } from '../../notify/mailer.ts';
import { emitEvent } from '../outbound/events.ts';
import { failureCode, postSignedJson, retryDelayMs } from '../outbound/signed-post.ts';
import { escapeHtml } from '../../domain/cadence/templates.ts';
import { agencySecret } from './agencies.ts';
import type { Packet } from './approve.ts';

export type CaseDeliveryDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  cipher: TokenCipher;
  mailer: Mailer;
  mailFrom: string;
  fetch?: typeof fetch;
};

export const MAX_DELIVERY_ATTEMPTS = 6;
const LEASE_MS = 5 * 60_000;

type Claimed = { id: string };

/**
 * Sends approved cases that are due a delivery attempt. Each is claimed with a lease (SKIP
 * LOCKED), so two processes never send the same case at once; a failure is retried with backoff
 * and, after MAX_DELIVERY_ATTEMPTS, left for a person to resend. The agency sees the same
 * webhook-id on every attempt and can drop repeats.
 */
export async function deliverDueCases(
  deps: CaseDeliveryDeps,
  limit = 10,
): Promise<{ delivered: number; failed: number }> {
  const now = deps.clock.now();
  const claimed = await queryRows<Claimed>(
    deps.db,
    sql`update handoff set next_attempt_at = ${new Date(now.getTime() + LEASE_MS).toISOString()}
        where id in (
          select id from handoff where status = 'pending_approval' and approved_at is not null
            and next_attempt_at <= ${now.toISOString()} order by next_attempt_at limit ${limit} for update skip locked)
        returning id`,
  );
  let delivered = 0;
  let failed = 0;
  for (const { id } of claimed) {
    if (await deliverOne(deps, id)) delivered++;
    else failed++;
  }
  return { delivered, failed };
}

async function deliverOne(deps: CaseDeliveryDeps, id: string): Promise<boolean> {
  const [row] = await deps.db.select().from(handoff).where(eq(handoff.id, id));
  const [ag] = row?.agencyId ? await deps.db.select().from(agency).where(eq(agency.id, row.agencyId)) : [];
  if (!row || !ag) return false;
  const packet = row.packet as Packet;
  const body = restrict(packet.file, packet.allowList);
  const attempt = row.deliveryAttempts + 1;
  const now = deps.clock.now();
  let error: string | null = null;
  let detail: Record<string, unknown> = {};
  try {
    if (ag.delivery.method === 'webhook') {
      const status = await postSigned(deps, ag, `case-${row.id}-created`, { type: 'case.created', data: body });
      detail = { method: 'webhook', httpStatus: status };
      if (status < 200 || status >= 300) error = `agency answered HTTP ${status}`;
    } else {
      const debtor = body.debtor?.legalName ?? body.debtor?.name ?? 'a customer';
      const out = await deps.mailer.send({
        fromName: body.creditor.name,
        fromAddress: deps.mailFrom,
        to: ag.delivery.to,
        cc: [],
        subject: `New collection case ${body.reference}: ${debtor}, ${formatMoney(body.amount, body.currency)}`,
        text: `Please find attached collection case ${body.reference} from ${body.creditor.name}: ${debtor} owes ${formatMoney(body.amount, body.currency)}.\nThe case file is attached as JSON and CSV, with a printable statement of account.\n`,
        html: `<p>Please find attached collection case <b>${escapeHtml(body.reference)}</b> from ${escapeHtml(body.creditor.name)}.</p>`,
        idempotencyKey: `case-${row.id}`,
        attachments: [
          {
            filename: `${body.reference}.json`,
            content: JSON.stringify(body, null, 2),
            contentType: 'application/json',
          },
          { filename: `${body.reference}.csv`, content: caseCsv(body), contentType: 'text/csv' },
          { filename: `${body.reference}-statement.html`, content: statementHtml(body), contentType: 'text/html' },
        ],
      });
      detail = { method: 'email', to: ag.delivery.to, mail: out.status };
    }
  } catch (err) {
    error = failureCode(err);
    detail = { method: ag.delivery.method };
  }
  if (!error) {
    await deps.db.transaction(async (tx) => {
      await tx
        .update(handoff)
        .set({
          status: 'sent',
          sentAt: now,
          nextAttemptAt: null,
          lastError: null,
          deliveryAttempts: attempt,
          updatedAt: now,
        })
        .where(eq(handoff.id, row.id));
      await tx
        .insert(handoffEvent)
        .values({ firmId: row.firmId, handoffId: row.id, kind: 'delivered', data: { attempt, ...detail } });
      // The moment the debtor's data left: on the firm's audit trail with the agency and the DPA.
      await tx.insert(auditLog).values({
        firmId: row.firmId,
        actorType: 'system',
        actorId: 'handoff-delivery',
        action: 'handoff.delivered',
        subjectType: 'handoff',
        subjectId: row.id,
        data: {
          agencyId: ag.id,
          agencyName: ag.name,
          dpaReference: ag.dpaReference,
          fields: ag.fieldAllowList,
          attempt,
          ...detail,
        },
      });
      await emitEvent(
        tx,
        row.firmId,
        'handoff.status_changed',
        { caseId: row.id, reference: row.reference, from: 'pending_approval', to: 'sent', by: 'system' },
        now,
      );
    });
    return true;
  }
  const giveUp = attempt >= MAX_DELIVERY_ATTEMPTS;
  await deps.db.transaction(async (tx) => {
    await tx
      .update(handoff)
      .set({
        deliveryAttempts: attempt,
        lastError: giveUp ? `gave up after ${attempt} attempts: ${error}` : error,
        nextAttemptAt: giveUp ? null : new Date(now.getTime() + retryDelayMs(attempt)),
        updatedAt: now,
      })
      .where(eq(handoff.id, row.id));
    await tx.insert(handoffEvent).values({
      firmId: row.firmId,
      handoffId: row.id,
      kind: giveUp ? 'delivery_failed' : 'delivery_retry',
      data: { attempt, error, ...detail },
    });
  });
  deps.logger.warn('case delivery failed', { handoffId: row.id, attempt, giveUp, error });
  return false;
}

/** A Standard Webhooks POST to the agency (HMAC-SHA256 over id.timestamp.body, the agency's secret). */
export async function postSigned(
  deps: Pick<CaseDeliveryDeps, 'db' | 'cipher' | 'clock' | 'fetch'>,
  ag: typeof agency.$inferSelect,
  webhookId: string,
  payload: unknown,
): Promise<number> {
  if (ag.delivery.method !== 'webhook') throw Object.assign(new Error('agency takes email'), { code: 'not_webhook' });
  const secret = await agencySecret(deps.cipher, ag);
  if (!secret) throw Object.assign(new Error('agency has no signing secret'), { code: 'no_secret' });
  return postSignedJson(
    { url: ag.delivery.url, secret, webhookId, payload, now: deps.clock.now(), userAgent: 'overdue-handoff/1' },
    deps.fetch,
  );
}
