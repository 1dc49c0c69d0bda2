import { z } from 'zod';
import { and, desc, eq, gte, inArray, sql } from 'drizzle-orm';
import { anyOf } from '../../db/array-param.ts';
import type { Db } from '../../db/client.ts';
import { contact, creditAlert, creditLimit, handoff, invoice, ledger, riskScore } from '../../db/schema/index.ts';
import { type Band, LIMIT_METHOD, overLimit, suggestLimit } from '../../domain/credit/limits.ts';
import { addDays, localDate } from '../../domain/dates.ts';
import { parseAmount, sumDecimal } from '../../domain/money.ts';
import { ACTIVE_STATUSES, type CaseStatus } from '../../domain/handoff/status.ts';
import { NotFoundError } from '../../errors.ts';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { audit } from '../audit.ts';
import { assertCanAct, type ServiceContext } from '../context.ts';
import { getLedger } from '../ledgers.ts';
import type { MirrorChangeHandler } from '../mirror-changes.ts';
import { emitEvent } from '../outbound/events.ts';

/** The ledger's credit policy (`ledger.settings.credit`). */
export const CreditPolicySchema = z.object({
  defaultTermsDays: z.number().int().min(0).max(365).default(30),
  /** Share of each new invoice a high-risk customer pays up front (0 = no deposit asked). */
  highRiskDepositPercent: z.number().int().min(0).max(100).default(50),
  alertOnHighRisk: z.boolean().default(true),
});
const creditPolicyOf = (settings: Record<string, unknown>) =>
  CreditPolicySchema.catch(CreditPolicySchema.parse({})).parse(settings.credit ?? {});

/** Each customer of a ledger: open balance, limit set, limit suggested (with the method), risk and deposit rule. */
export async function listCredit({ ctx, input }: { ctx: ServiceContext; input: { ledgerId: string } }) {
  const l = await getLedger(ctx, input.ledgerId);
  const policy = creditPolicyOf(l.settings);
  const today = localDate(ctx.clock.now(), l.timezone);
  const contacts = await ctx.db
    .select({ id: contact.id, name: contact.name, limit: creditLimit.amount, band: riskScore.band })
    .from(contact)
    .leftJoin(creditLimit, eq(creditLimit.contactId, contact.id))
    .leftJoin(riskScore, and(eq(riskScore.subjectType, 'contact'), eq(riskScore.subjectId, contact.id)))
    .where(eq(contact.ledgerId, l.id))
    .orderBy(contact.name);
  const invs = await ctx.db
    .select({
      contactId: invoice.contactId,
      issueDate: invoice.issueDate,
      total: invoice.total,
      amountDue: invoice.amountDue,
      status: invoice.status,
      currency: invoice.currency,
    })
    .from(invoice)
    .where(
      and(
        eq(invoice.ledgerId, l.id),
        inArray(invoice.status, ['open', 'paid']),
        sql`${invoice.issueDate} >= ${addDays(today, -366)} or ${invoice.status} = 'open'`,
      ),
    );
  return {
    policy,
    method: LIMIT_METHOD,
    customers: contacts.map((c) => {
      const mine = invs.filter((i) => i.contactId === c.id && i.currency === l.baseCurrency);
      const open = sumDecimal(mine.filter((i) => i.status === 'open').map((i) => i.amountDue));
      // Owed in other currencies: shown beside the balance, never hidden; the limit is in the base
      // currency and is held against base-currency debt only.
      const foreign = invs.filter((i) => i.contactId === c.id && i.status === 'open' && i.currency !== l.baseCurrency);
      const otherCurrencies = [...new Set(foreign.map((i) => i.currency))].sort().map((currency) => ({
        currency,
        openBalance: sumDecimal(foreign.filter((i) => i.currency === currency).map((i) => i.amountDue)),
      }));
      return {
        contactId: c.id,
        name: c.name,
        currency: l.baseCurrency,
        openBalance: open,
        otherCurrencies,
        limit: c.limit,
        suggestedLimit: suggestLimit(mine, policy.defaultTermsDays, (c.band as Band | null) ?? null, today),
        band: c.band,
        depositPercent: c.band === 'high' ? policy.highRiskDepositPercent : 0,
        overLimit: c.limit !== null && parseAmount(open) > parseAmount(c.limit),
      };
    }),
  };
}

/** Sets (or clears, with null) a customer's credit limit, in the ledger's base currency. */
export async function setCreditLimit({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { contactId: string; amount: string | null };
}) {
  const [c] = await ctx.db
    .select()
    .from(contact)
    .where(and(eq(contact.id, input.contactId), eq(contact.firmId, ctx.firmId)));
  if (!c) throw new NotFoundError('contact');
  assertCanAct(ctx, c.ledgerId);
  if (input.amount === null) await ctx.db.delete(creditLimit).where(eq(creditLimit.contactId, c.id));
  else
    await ctx.db
      .insert(creditLimit)
      .values({ contactId: c.id, firmId: ctx.firmId, ledgerId: c.ledgerId, amount: input.amount })
      .onConflictDoUpdate({ target: creditLimit.contactId, set: { amount: input.amount, updatedAt: ctx.clock.now() } });
  await audit(ctx, 'credit.limit_set', { type: 'contact', id: c.id }, { amount: input.amount });
  return { contactId: c.id, limit: input.amount };
}

export async function listAlerts({ ctx, input }: { ctx: ServiceContext; input: { ledgerId?: string; limit: number } }) {
  const rows = await ctx.db
    .select({ a: creditAlert, name: contact.name, number: invoice.number })
    .from(creditAlert)
    .innerJoin(contact, eq(contact.id, creditAlert.contactId))
    .innerJoin(invoice, eq(invoice.id, creditAlert.invoiceId))
    .where(
      and(eq(creditAlert.firmId, ctx.firmId), input.ledgerId ? eq(creditAlert.ledgerId, input.ledgerId) : undefined),
    )
    .orderBy(desc(creditAlert.createdAt))
    .limit(input.limit);
  return rows.map((r) => ({
    id: r.a.id,
    kind: r.a.kind,
    ledgerId: r.a.ledgerId,
    contactId: r.a.contactId,
    contactName: r.name,
    invoiceId: r.a.invoiceId,
    invoiceNumber: r.number,
    details: r.a.details,
    createdAt: r.a.createdAt.toISOString(),
  }));
}

/** New invoices only: a backfill of old invoices raises nothing. */
const NEW_WITHIN_DAYS = 7;
const ALERT_COLUMNS = {
  id: invoice.id,
  firmId: invoice.firmId,
  ledgerId: invoice.ledgerId,
  contactId: invoice.contactId,
  number: invoice.number,
  currency: invoice.currency,
  amountDue: invoice.amountDue,
};

/**
 * On a mirror change, checks each new open invoice against the credit policy: over the limit,
 * raised for a high-risk customer, or for a customer with a case at an agency. Each finding is
 * recorded once (per invoice and kind) and sent as a `credit.alert` event.
 */
export function creditAlertsOnChange(deps: { db: Db; clock: Clock; logger: Logger }): MirrorChangeHandler {
  return async (change) => {
    if (change.invoiceIds.length === 0 && !change.wholeLedger) return;
    const [l] = await deps.db.select().from(ledger).where(eq(ledger.id, change.ledgerId));
    if (!l) return;
    const policy = creditPolicyOf(l.settings);
    const today = localDate(deps.clock.now(), l.timezone);
    // The age filter in the query: a backfill names a ledger's whole history, of which only the
    // last days' open invoices can raise anything.
    const rows = await deps.db
      .select(ALERT_COLUMNS)
      .from(invoice)
      .where(
        and(
          change.wholeLedger ? eq(invoice.ledgerId, change.ledgerId) : anyOf(invoice.id, change.invoiceIds, 'uuid'),
          eq(invoice.status, 'open'),
          gte(invoice.issueDate, addDays(today, -NEW_WITHIN_DAYS)),
        ),
      );
    const contactIds = [...new Set(rows.flatMap((r) => (r.contactId ? [r.contactId] : [])))];
    if (contactIds.length === 0) return;
    // What each customer brings to the check, in three statements for all of them.
    const limits = new Map(
      (
        await deps.db
          .select()
          .from(creditLimit)
          .where(anyOf(creditLimit.contactId, contactIds, 'uuid'))
      ).map((r) => [r.contactId, r]),
    );
    const bands = new Map(
      (
        await deps.db
          .select({ contactId: riskScore.subjectId, band: riskScore.band })
          .from(riskScore)
          .where(and(eq(riskScore.subjectType, 'contact'), anyOf(riskScore.subjectId, contactIds, 'uuid')))
      ).map((r) => [r.contactId, r]),
    );
    const cases = new Map(
      (
        await deps.db
          .select({ contactId: handoff.contactId, id: handoff.id })
          .from(handoff)
          .where(
            and(anyOf(handoff.contactId, contactIds, 'uuid'), inArray(handoff.status, ACTIVE_STATUSES as CaseStatus[])),
          )
      ).map((r) => [r.contactId, r]),
    );
    for (const inv of rows) {
      if (!inv.contactId) continue;
      const limit = limits.get(inv.contactId);
      const band = bands.get(inv.contactId);
      const live = cases.get(inv.contactId);
      const findings: { kind: string; details: Record<string, unknown> }[] = [];
      if (limit) {
        const [others] = await deps.db
          .select({ open: sql<string>`coalesce(sum(${invoice.amountDue}), 0)::text` })
          .from(invoice)
          .where(
            and(
              eq(invoice.contactId, inv.contactId),
              eq(invoice.status, 'open'),
              sql`${invoice.id} <> ${inv.id}`,
              eq(invoice.currency, inv.currency),
            ),
          );
        if (overLimit(others!.open, inv.amountDue, limit.amount))
          findings.push({
            kind: 'over_limit',
            details: { limit: limit.amount, openBefore: others!.open, invoiceAmount: inv.amountDue },
          });
      }
      if (policy.alertOnHighRisk && band?.band === 'high')
        findings.push({ kind: 'high_risk', details: { band: 'high', depositPercent: policy.highRiskDepositPercent } });
      if (live) findings.push({ kind: 'handed_off', details: { caseId: live.id } });
      for (const f of findings) {
        const [made] = await deps.db
          .insert(creditAlert)
          .values({
            firmId: inv.firmId,
            ledgerId: inv.ledgerId,
            contactId: inv.contactId,
            invoiceId: inv.id,
            kind: f.kind,
            details: f.details,
          })
          .onConflictDoNothing()
          .returning({ id: creditAlert.id });
        if (made)
          await emitEvent(
            deps.db,
            inv.firmId,
            'credit.alert',
            {
              alertId: made.id,
              kind: f.kind,
              invoiceId: inv.id,
              invoiceNumber: inv.number,
              contactId: inv.contactId,
              ...f.details,
            },
            deps.clock.now(),
          );
      }
    }
  };
}

/** Sets the ledger's credit policy (`ledger.settings.credit`), leaving its other settings as they are. */
export async function setCreditPolicy({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId: string; policy: z.infer<typeof CreditPolicySchema> };
}) {
  const l = await getLedger(ctx, input.ledgerId);
  await ctx.db
    .update(ledger)
    .set({
      settings: sql`${ledger.settings} || ${JSON.stringify({ credit: input.policy })}::jsonb`,
      updatedAt: ctx.clock.now(),
    })
    .where(eq(ledger.id, l.id));
  await audit(ctx, 'credit.policy_set', { type: 'ledger', id: l.id }, input.policy);
  return input.policy;
}
