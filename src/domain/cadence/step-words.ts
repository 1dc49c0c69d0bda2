/**
 * A planned step's key in words for the people approving it: "plan2:post+35#r3" is "instalment 2,
 * 35 days overdue, repeat 3". Keys of custom policy steps that do not follow the built-in
 * pattern are shown as they are, with the same prefix and repeat words.
 */
const BUILT_IN = /^(pre|post)([+-]\d+)$/;

export function stepWords(stepKey: string): string {
  const plan = /^plan(\d+):/.exec(stepKey);
  const repeat = /#r(\d+)$/.exec(stepKey);
  const base = stepKey.replace(/^plan\d+:/, '').replace(/#r\d+$/, '');
  const m = BUILT_IN.exec(base);
  const days = m ? Math.abs(Number(m[2])) : 0;
  const when = !m
    ? base === 'due'
      ? 'on the due date'
      : base
    : days === 0
      ? 'on the due date'
      : m[1] === 'pre'
        ? `${days} day${days === 1 ? '' : 's'} before due`
        : `${days} day${days === 1 ? '' : 's'} overdue`;
  const parts = [...(plan ? [`instalment ${plan[1]}`] : []), when, ...(repeat ? [`repeat ${repeat[1]}`] : [])];
  return parts.join(', ');
}

const TONE_WORDS: Record<string, string> = {
  friendly: 'Friendly reminder',
  neutral: 'Reminder',
  firm: 'Firm reminder',
  final: 'Final notice',
};

/** What kind of message a reminder is: its tone in words, or a hand-off (which sends nothing). */
export const toneWords = (template: string, kind = 'email') =>
  kind === 'handoff' ? 'Hand-off to an agency' : (TONE_WORDS[template] ?? template);
