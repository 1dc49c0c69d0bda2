import { type LedgerSettings, ledgerSettings } from '../../domain/ledger-settings.ts';
import { and, desc, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { cadencePolicy, riskScore } from '../../db/schema/index.ts';
import { BUILT_IN_POLICIES, type Policy, PolicySchema } from '../../domain/cadence/policy.ts';

type PolicyRow = typeof cadencePolicy.$inferSelect;

export const toPolicy = (row: PolicyRow): Policy =>
  PolicySchema.parse({
    name: row.name,
    steps: row.steps,
    repeatLast: row.repeatLast,
    sendWindow: row.sendWindow ?? undefined,
    frequencyCap: row.frequencyCap ?? undefined,
  });

/** Ledger settings that steer cadence assignment (`ledger.settings.cadence`). */
export type CadenceSettings = LedgerSettings['cadence'];

/**
 * Which policy chases a contact, most specific first: the contact's own assignment; the ledger's
 * risk-band rule (from the contact's latest score); the ledger's default; the firm's default;
 * the built-in "standard".
 */
export async function policiesFor(
  db: Db,
  firmId: string,
  contacts: { id: string; ledgerId: string; policyId: string | null }[],
  ledgers: Map<string, { settings: Record<string, unknown> }>,
): Promise<Map<string, Policy>> {
  const ledgerIds = [...new Set(contacts.map((c) => c.ledgerId))];
  const rows = await db
    .select()
    .from(cadencePolicy)
    .where(
      and(
        eq(cadencePolicy.firmId, firmId),
        or(isNull(cadencePolicy.ledgerId), ledgerIds.length ? inArray(cadencePolicy.ledgerId, ledgerIds) : undefined),
      ),
    );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const scores = contacts.length
    ? await db
        .selectDistinctOn([riskScore.subjectId], { subjectId: riskScore.subjectId, band: riskScore.band })
        .from(riskScore)
        .where(
          and(
            eq(riskScore.subjectType, 'contact'),
            inArray(
              riskScore.subjectId,
              contacts.map((c) => c.id),
            ),
          ),
        )
        .orderBy(riskScore.subjectId, desc(riskScore.computedAt))
    : [];
  const band = new Map(scores.map((s) => [s.subjectId, s.band]));
  const named = (ref: string | undefined): Policy | undefined => {
    if (!ref) return undefined;
    if (ref in BUILT_IN_POLICIES) return BUILT_IN_POLICIES[ref as keyof typeof BUILT_IN_POLICIES];
    const row = byId.get(ref);
    return row ? toPolicy(row) : undefined;
  };
  const firmDefault = rows.find((r) => r.ledgerId === null && r.isDefault);
  const out = new Map<string, Policy>();
  for (const c of contacts) {
    const settings = ledgerSettings(ledgers.get(c.ledgerId)?.settings).cadence;
    const ledgerDefault = rows.find((r) => r.ledgerId === c.ledgerId && r.isDefault);
    const b = band.get(c.id);
    out.set(
      c.id,
      (c.policyId ? named(c.policyId) : undefined) ??
        (b ? named(settings.byRiskBand?.[b]) : undefined) ??
        (ledgerDefault ? toPolicy(ledgerDefault) : undefined) ??
        (firmDefault ? toPolicy(firmDefault) : undefined) ??
        BUILT_IN_POLICIES.standard,
    );
  }
  return out;
}
