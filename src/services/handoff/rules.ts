import { and, eq } from 'drizzle-orm';
import { agency, ledger } from '../../db/schema/index.ts';
import { type HandoffRule, HandoffRuleSchema } from '../../domain/handoff/rules.ts';
import { NotFoundError } from '../../errors.ts';
import { audit } from '../audit.ts';
import type { ServiceContext } from '../context.ts';
import { getLedger } from '../ledgers.ts';

/** The ledger's hand-off rule (defaults when none is set: off, 60 days, 250). */
export async function getHandoffRule({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId: string };
}): Promise<HandoffRule> {
  const l = await getLedger(ctx, input.ledgerId);
  const parsed = HandoffRuleSchema.safeParse((l.settings as { handoff?: unknown }).handoff ?? {});
  return parsed.success ? parsed.data : HandoffRuleSchema.parse({});
}

export async function setHandoffRule({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId: string; rule: HandoffRule };
}): Promise<HandoffRule> {
  const l = await getLedger(ctx, input.ledgerId);
  if (input.rule.agencyId) {
    const [a] = await ctx.db
      .select({ id: agency.id })
      .from(agency)
      .where(and(eq(agency.id, input.rule.agencyId), eq(agency.firmId, ctx.firmId)));
    if (!a) throw new NotFoundError('agency');
  }
  const rule = HandoffRuleSchema.parse(input.rule);
  await ctx.db
    .update(ledger)
    .set({ settings: { ...(l.settings as Record<string, unknown>), handoff: rule }, updatedAt: ctx.clock.now() })
    .where(eq(ledger.id, l.id));
  await audit(ctx, 'handoff.rule_set', { type: 'ledger', id: l.id }, rule);
  return rule;
}
