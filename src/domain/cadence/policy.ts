import { z } from 'zod';

/**
 * Cadence policies: steps relative to the due date, each with a tone and template; an optional
 * repeat of the last step; the send window and frequency cap. Pure data, validated with zod so
 * policies from the API and from the database are checked the same way.
 */
export const TONES = ['friendly', 'neutral', 'firm', 'final'] as const;
export type Tone = (typeof TONES)[number];

const time = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM (24 h)');
const range = z.tuple([time, time]).refine(([a, b]) => a < b, 'start must be before end');

const SendWindowSchema = z.object({
  weekdays: range.nullable(),
  weekends: range.nullable(),
  skipHolidays: z.boolean(),
});
export type SendWindow = z.infer<typeof SendWindowSchema>;

const StepSchema = z.object({
  key: z.string().regex(/^[a-z0-9_+-]{1,40}$/, 'lower-case letters, digits, _ + -'),
  offsetDays: z.number().int().min(-60).max(365),
  tone: z.enum(TONES),
  template: z.string().min(1).max(60),
  kind: z.enum(['email', 'handoff']).default('email'),
  /** Extra recipients copied on this step (an owner, the debtor's AP inbox). */
  cc: z.array(z.email()).max(5).default([]),
});
export type Step = z.infer<typeof StepSchema>;

export const PolicySchema = z
  .object({
    name: z.string().min(1).max(80),
    steps: z.array(StepSchema).min(1).max(20),
    repeatLast: z
      .object({ everyDays: z.number().int().min(1).max(90), max: z.number().int().min(1).max(24) })
      .nullable()
      .default(null),
    sendWindow: SendWindowSchema.default({ weekdays: ['08:00', '18:00'], weekends: null, skipHolidays: true }),
    frequencyCap: z
      .object({ max: z.number().int().min(1).max(10), perDays: z.number().int().min(1).max(31) })
      .default({ max: 2, perDays: 7 }),
  })
  .refine((p) => new Set(p.steps.map((s) => s.key)).size === p.steps.length, {
    message: 'step keys must be unique',
    path: ['steps'],
  })
  .refine((p) => p.steps.every((s, i) => i === 0 || s.offsetDays > p.steps[i - 1]!.offsetDays), {
    message: 'steps must be in increasing offset order',
    path: ['steps'],
  });
export type Policy = z.infer<typeof PolicySchema>;

const DEFAULT_WINDOW: SendWindow = { weekdays: ['08:00', '18:00'], weekends: null, skipHolidays: true };

const step = (key: string, offsetDays: number, tone: Tone, kind: 'email' | 'handoff' = 'email'): Step => ({
  key,
  offsetDays,
  tone,
  template: tone,
  kind,
  cc: [],
});

/** Built-in policies: a new ledger works out of the box (and starts in safe mode). */
export const BUILT_IN_POLICIES: Record<'gentle' | 'standard' | 'firm', Policy> = {
  gentle: {
    name: 'Gentle',
    steps: [
      step('pre-3', -3, 'friendly'),
      step('post+3', 3, 'friendly'),
      step('post+10', 10, 'neutral'),
      step('post+21', 21, 'firm'),
    ],
    repeatLast: { everyDays: 14, max: 2 },
    sendWindow: DEFAULT_WINDOW,
    frequencyCap: { max: 2, perDays: 7 },
  },
  standard: {
    name: 'Standard',
    steps: [
      step('pre-3', -3, 'friendly'),
      step('due', 0, 'friendly'),
      step('post+3', 3, 'neutral'),
      step('post+10', 10, 'neutral'),
      step('post+21', 21, 'firm'),
      step('post+35', 35, 'final'),
    ],
    repeatLast: { everyDays: 14, max: 3 },
    sendWindow: DEFAULT_WINDOW,
    frequencyCap: { max: 2, perDays: 7 },
  },
  firm: {
    name: 'Firm',
    steps: [
      step('pre-5', -5, 'neutral'),
      step('due', 0, 'neutral'),
      step('post+2', 2, 'firm'),
      step('post+7', 7, 'firm'),
      step('post+14', 14, 'final'),
      step('post+30', 30, 'final', 'handoff'),
    ],
    repeatLast: null,
    sendWindow: DEFAULT_WINDOW,
    frequencyCap: { max: 2, perDays: 7 },
  },
};
