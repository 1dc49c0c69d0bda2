import { z } from 'zod';

/**
 * What a ledger's `settings` (a JSON column) may hold, read through one schema. Each key is parsed
 * on its own and a value it cannot read falls back to its default, so one bad key never resets the
 * others or stops a send; keys this release does not know are kept as they are when written back.
 * The credit policy and the hand-off rule have schemas of their own (read where they are used).
 */
const BANDS = ['low', 'medium', 'high'] as const;
export const LEDGER_NOTES = ['all', 'escalations', 'off'] as const;

const LedgerSettingsSchema = z.object({
  /** The zone came from a guess (no zone from the provider): reminders hold until someone confirms it. */
  timezoneGuessed: z.boolean().catch(false).default(false),
  /** 'owner': a person chose the zone, kept over the provider's across reconnects. */
  timezoneSetBy: z.enum(['owner', 'provider']).optional().catch(undefined),
  /** Where debtors' replies go (the organisation's email from the ledger by default). */
  replyTo: z.email().optional().catch(undefined),
  /** One thank-you when a reminded invoice is paid. */
  thankYou: z.boolean().catch(false).default(false),
  discountTerms: z.string().max(1000).optional().catch(undefined),
  lateFeeTerms: z.string().max(1000).optional().catch(undefined),
  /** Which history notes are written back to the ledger. */
  ledgerNotes: z.enum(LEDGER_NOTES).catch('all').default('all'),
  /** Built-in or policy id per risk band: e.g. { high: 'firm', low: 'gentle' }. */
  cadence: z
    .object({ byRiskBand: z.partialRecord(z.enum(BANDS), z.string()).optional().catch(undefined) })
    .catch({})
    .default({}),
  /** The provider's own reference for the organisation (used to disconnect it there). */
  connectionRef: z.string().optional().catch(undefined),
});

export type LedgerSettings = z.infer<typeof LedgerSettingsSchema>;
export type LedgerNotes = LedgerSettings['ledgerNotes'];

/** The typed view of a ledger's settings column. */
export function ledgerSettings(raw: unknown): LedgerSettings {
  return LedgerSettingsSchema.parse(raw && typeof raw === 'object' && !Array.isArray(raw) ? raw : {});
}
