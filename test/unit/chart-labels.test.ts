import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { axisLabels, CHAR_PX } from '../../src/ui/charts.tsx';

describe('chart axis labels never overlap', () => {
  it('keeps short labels whole and cuts long ones with an ellipsis', () => {
    expect(axisLabels(['current', '1-30', '31-60', '61-90', '90+'], 136)).toEqual([
      'current',
      '1-30',
      '31-60',
      '61-90',
      '90+',
    ]);
    const weeks = Array.from({ length: 13 }, (_, k) => `2026-12-${String(k + 1).padStart(2, '0')}`);
    const shown = axisLabels(weeks, 680 / 13);
    // Every other week, each date whole.
    expect(shown.filter(Boolean)).toEqual(weeks.filter((_, k) => k % 2 === 0));
    const names = axisLabels(['Harbour Dental Limited', 'Kea Builders', 'Ruru & Co'], 40);
    expect(names.filter(Boolean).every((l) => l!.length * CHAR_PX <= 3 * 40)).toBe(true);
    expect(names[0]).toMatch(/…$/);
  });

  it('property: each shown label fits before the next shown one starts', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ minLength: 0, maxLength: 40 }), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 300, max: 1200 }),
        (labels, width) => {
          const group = width / labels.length;
          const shown = axisLabels(labels, group);
          const at = shown.flatMap((l, k) => (l === null ? [] : [k]));
          for (let i = 0; i + 1 < at.length; i++)
            expect(shown[at[i]!]!.length * CHAR_PX).toBeLessThanOrEqual((at[i + 1]! - at[i]!) * group);
          expect(shown[0]).not.toBeNull();
        },
      ),
    );
  });
});
