import { amountSchema } from '../amount.ts';
import { z } from 'zod';
import { daysBetween, type IsoDate } from '../dates.ts';
import { add, formatMoney, formatUnits, parseAmount, SCALE, type Units } from '../money.ts';

const amount = amountSchema('250.00');
const BANDS = ['low', 'medium', 'high'] as const;
export type Band = (typeof BANDS)[number];

/**
 * When an account goes to an agency, per ledger (`ledger.settings.handoff`). Every condition must
 * hold; a rule only ever proposes a case, which waits for a person's approval.
 */
export const HandoffRuleSchema = z.object({
  enabled: z.boolean().default(false),
  agencyId: z.uuid().nullable().default(null),
  minDaysOverdue: z.number().int().min(1).max(3650).default(60),
  minAmount: amount.default('250'),
  /** Only once the cadence has run its course: every email step of the policy sent. */
  requireAllStepsSent: z.boolean().default(true),
  /** Only customers scored at least this risky; null: any band. */
  minRiskBand: z.enum(BANDS).nullable().default(null),
});
export type HandoffRule = z.infer<typeof HandoffRuleSchema>;

export type CandidateInvoice = {
  id: string;
  number: string | null;
  dueDate: IsoDate;
  amountDue: string;
  currency: string;
  disputed: boolean;
  excluded: boolean;
  /** Already in a case that is still active. */
  inCase: boolean;
  /** Every email step of the customer's cadence has been sent for it. */
  cadenceDone: boolean;
  /** The cadence reached a step of type handoff for it. */
  handoffStepReached: boolean;
};

export type Proposal = { invoiceIds: string[]; amount: string; currency: string; reason: string };

const rank = (b: Band | null) => (b ? BANDS.indexOf(b) : -1);

/**
 * The cases a rule proposes for one customer, one per currency: its invoices that are overdue
 * enough, not disputed, excluded or already in a case, and (when asked) whose cadence is done.
 * A hand-off step reached in the cadence proposes the invoice whatever the thresholds say, even
 * with the rule off: the user put that step in the cadence.
 * `agencyMin` is the agency's own minimum claim.
 */
export function proposeCases(
  rule: HandoffRule,
  invoices: CandidateInvoice[],
  band: Band | null,
  today: IsoDate,
  agencyMin = '0',
): Proposal[] {
  const bandOk = rule.minRiskBand === null || rank(band) >= rank(rule.minRiskBand);
  const eligible = invoices.filter((i) => {
    if (i.disputed || i.excluded || i.inCase || parseAmount(i.amountDue) <= 0n) return false;
    if (i.handoffStepReached) return true;
    return (
      rule.enabled &&
      bandOk &&
      daysBetween(i.dueDate, today) >= rule.minDaysOverdue &&
      (!rule.requireAllStepsSent || i.cadenceDone)
    );
  });
  const byCurrency = new Map<string, CandidateInvoice[]>();
  for (const i of eligible) byCurrency.set(i.currency, [...(byCurrency.get(i.currency) ?? []), i]);
  const out: Proposal[] = [];
  for (const [currency, list] of byCurrency) {
    const total: Units = add(...list.map((i) => parseAmount(i.amountDue)));
    const viaStep = list.some((i) => i.handoffStepReached);
    if (!viaStep && (total < parseAmount(rule.minAmount) || total < parseAmount(agencyMin))) continue;
    const oldest = Math.max(...list.map((i) => daysBetween(i.dueDate, today)));
    const parts = [
      `${list.length} invoice${list.length > 1 ? 's' : ''} overdue (oldest ${oldest} days)`,
      formatMoney(total, currency),
      viaStep ? 'cadence reached its hand-off step' : rule.requireAllStepsSent ? 'every reminder sent' : null,
      band ? `risk ${band}` : null,
    ];
    out.push({
      invoiceIds: list.map((i) => i.id).sort(),
      amount: formatUnits(total, SCALE),
      currency,
      reason: parts.filter(Boolean).join(', '),
    });
  }
  return out;
}
