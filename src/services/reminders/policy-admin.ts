import { and, eq, isNull, or } from 'drizzle-orm';
import { cadencePolicy, ledger } from '../../db/schema/index.ts';
import { BUILT_IN_POLICIES, type Policy } from '../../domain/cadence/policy.ts';
import { BUILT_IN_TEMPLATES } from '../../domain/cadence/templates.ts';
import { legalWindowProblem } from '../../domain/cadence/window.ts';
import { NotFoundError, ValidationError } from '../../errors.ts';
import { audit } from '../audit.ts';
import type { ServiceContext } from '../context.ts';
import { type CadenceSettings, toPolicy } from './policies.ts';

export async function listPolicies({ ctx }: { ctx: ServiceContext }) {
  const rows = await ctx.db.select().from(cadencePolicy).where(eq(cadencePolicy.firmId, ctx.firmId));
  return [
    ...Object.entries(BUILT_IN_POLICIES).map(([id, p]) => ({
      id,
      builtIn: true,
      ledgerId: null,
      isDefault: false,
      ...p,
    })),
    ...rows.map((r) => ({ id: r.id, builtIn: false, ledgerId: r.ledgerId, isDefault: r.isDefault, ...toPolicy(r) })),
  ];
}

/** A firm-wide (no ledgerId) or per-ledger policy; `isDefault` makes it that scope's default. */
export async function createPolicy({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: Policy & { ledgerId?: string; isDefault?: boolean };
}) {
  const missing = input.steps.filter((s) => !(s.template in BUILT_IN_TEMPLATES));
  if (missing.length)
    throw new ValidationError(
      'unknown template',
      missing.map((s) => ({ path: `steps.${s.key}.template`, message: `no template "${s.template}"` })),
    );
  const outside = legalWindowProblem(input.sendWindow);
  if (outside)
    throw new ValidationError('send window outside the legal hours', [{ path: 'sendWindow', message: outside }]);
  if (input.ledgerId) {
    const [l] = await ctx.db
      .select({ id: ledger.id })
      .from(ledger)
      .where(and(eq(ledger.id, input.ledgerId), eq(ledger.firmId, ctx.firmId)));
    if (!l) throw new NotFoundError('ledger');
  }
  return ctx.db.transaction(async (tx) => {
    if (input.isDefault) {
      await tx
        .update(cadencePolicy)
        .set({ isDefault: false })
        .where(
          and(
            eq(cadencePolicy.firmId, ctx.firmId),
            input.ledgerId ? eq(cadencePolicy.ledgerId, input.ledgerId) : isNull(cadencePolicy.ledgerId),
          ),
        );
    }
    const [row] = await tx
      .insert(cadencePolicy)
      .values({
        firmId: ctx.firmId,
        ledgerId: input.ledgerId ?? null,
        name: input.name,
        isDefault: input.isDefault ?? false,
        steps: input.steps,
        repeatLast: input.repeatLast,
        sendWindow: input.sendWindow,
        frequencyCap: input.frequencyCap,
      })
      .returning();
    await audit(
      ctx,
      'policy.create',
      { type: 'cadence_policy', id: row!.id },
      { name: input.name, ledgerId: input.ledgerId ?? null },
      tx,
    );
    return { id: row!.id, builtIn: false, ledgerId: row!.ledgerId, isDefault: row!.isDefault, ...toPolicy(row!) };
  });
}

/** Which policy each risk band gets on a ledger (built-in name or policy id). */
export async function setRiskBandPolicies({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId: string; byRiskBand: CadenceSettings['byRiskBand'] };
}) {
  const [l] = await ctx.db
    .select()
    .from(ledger)
    .where(and(eq(ledger.id, input.ledgerId), eq(ledger.firmId, ctx.firmId)));
  if (!l) throw new NotFoundError('ledger');
  const ids = Object.values(input.byRiskBand ?? {}).filter((v) => !(v in BUILT_IN_POLICIES));
  for (const id of ids) {
    const [p] = await ctx.db
      .select({ id: cadencePolicy.id })
      .from(cadencePolicy)
      .where(
        and(
          eq(cadencePolicy.id, id),
          eq(cadencePolicy.firmId, ctx.firmId),
          or(isNull(cadencePolicy.ledgerId), eq(cadencePolicy.ledgerId, l.id)),
        ),
      );
    if (!p) throw new ValidationError('unknown policy', [{ path: 'byRiskBand', message: `no policy ${id}` }]);
  }
  await ctx.db
    .update(ledger)
    .set({ settings: { ...l.settings, cadence: { byRiskBand: input.byRiskBand } } })
    .where(eq(ledger.id, l.id));
  await audit(ctx, 'ledger.cadence', { type: 'ledger', id: l.id }, input.byRiskBand);
  return { ledgerId: l.id, byRiskBand: input.byRiskBand ?? {} };
}
