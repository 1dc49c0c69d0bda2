import { describe, expect, it } from 'vitest';
import { stepWords, toneWords } from '../../src/domain/cadence/step-words.ts';

describe('a planned step in words', () => {
  it.each([
    ['pre-3', '3 days before due'],
    ['pre-1', '1 day before due'],
    ['due', 'on the due date'],
    ['post+0', 'on the due date'],
    ['post+1', '1 day overdue'],
    ['post+35', '35 days overdue'],
    ['post+35#r3', '35 days overdue, repeat 3'],
    ['plan2:post+3', 'instalment 2, 3 days overdue'],
    ['plan1:pre-3#r1', 'instalment 1, 3 days before due, repeat 1'],
    ['chase_big_ones', 'chase_big_ones'],
    ['plan3:chase_big_ones#r2', 'instalment 3, chase_big_ones, repeat 2'],
  ])('%s → %s', (key, words) => {
    expect(stepWords(key)).toBe(words);
  });

  it('names the tone, and a hand-off as one', () => {
    expect(toneWords('friendly')).toBe('Friendly reminder');
    expect(toneWords('final')).toBe('Final notice');
    expect(toneWords('final', 'handoff')).toBe('Hand-off to an agency');
    expect(toneWords('custom-letter')).toBe('custom-letter');
  });
});
