import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addDays,
  addMonths,
  businessDaysBetween,
  DateError,
  daysBetween,
  isBusinessDay,
  isoWeekday,
  localDate,
  offsetMinutes,
  parseDate,
  resolveTimeZone,
  zonedParts,
  zonedTimeToInstant,
} from '../../src/domain/dates.ts';

const ZONES = [
  'UTC',
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'Australia/Sydney',
  'Pacific/Auckland',
  'Pacific/Chatham',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'America/St_Johns',
];

describe('time zones', () => {
  it('resolves the debtor zone: contact, then ledger, never the server', () => {
    expect(resolveTimeZone('Pacific/Auckland', 'Europe/London')).toBe('Pacific/Auckland');
    expect(resolveTimeZone(undefined, 'Europe/London')).toBe('Europe/London');
    expect(resolveTimeZone('Mars/Olympus', 'Europe/London')).toBe('Europe/London');
    expect(() => resolveTimeZone(null, 'Nowhere/Land')).toThrow(DateError);
  });

  it('finds wall-clock instants across London DST', () => {
    expect(zonedTimeToInstant('2026-01-15', '09:00', 'Europe/London').toISOString()).toBe('2026-01-15T09:00:00.000Z');
    expect(zonedTimeToInstant('2026-07-15', '09:00', 'Europe/London').toISOString()).toBe('2026-07-15T08:00:00.000Z');
    // 29 March 2026: 01:00–02:00 does not exist; 01:30 lands after the gap.
    expect(zonedTimeToInstant('2026-03-29', '01:30', 'Europe/London').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    // 25 October 2026: 01:30 happens twice; the earlier (BST) one is chosen.
    expect(zonedTimeToInstant('2026-10-25', '01:30', 'Europe/London').toISOString()).toBe('2026-10-25T00:30:00.000Z');
  });

  it('handles Auckland and Chatham (+12:45/+13:45) offsets', () => {
    expect(offsetMinutes(new Date('2026-01-10T00:00:00Z'), 'Pacific/Auckland')).toBe(780);
    expect(offsetMinutes(new Date('2026-07-10T00:00:00Z'), 'Pacific/Chatham')).toBe(765);
    expect(localDate(new Date('2026-07-10T11:30:00Z'), 'Pacific/Chatham')).toBe('2026-07-11');
  });

  it('round-trips wall time for any zone and instant (property)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2040, 0, 1) }),
        (tz, ms) => {
          const instant = new Date(Math.floor(ms / 60_000) * 60_000);
          const p = zonedParts(instant, tz);
          const date = localDate(instant, tz);
          const time = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
          const back = zonedTimeToInstant(date, time, tz);
          // Same wall time; in an overlap the earlier of the two instants.
          expect(localDate(back, tz)).toBe(date);
          expect(zonedParts(back, tz).hour).toBe(p.hour);
          expect(back.getTime()).toBeLessThanOrEqual(instant.getTime());
          expect(instant.getTime() - back.getTime()).toBeLessThanOrEqual(60 * 60_000);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('calendar dates', () => {
  it('validates dates strictly', () => {
    expect(() => parseDate('2026-02-29')).toThrow(DateError);
    expect(() => parseDate('2026-2-1')).toThrow(DateError);
    expect(parseDate('2028-02-29')).toEqual({ y: 2028, m: 2, d: 29 });
  });

  it('does day and month arithmetic', () => {
    expect(addDays('2026-12-30', 3)).toBe('2027-01-02');
    expect(daysBetween('2026-01-01', '2026-12-31')).toBe(364);
    expect(addMonths('2026-01-31', 1)).toBe('2026-02-28');
    expect(addMonths('2026-03-15', -18)).toBe('2024-09-15');
    expect(isoWeekday('2026-11-22')).toBe(7);
    expect(isoWeekday('2026-11-23')).toBe(1);
  });

  it('counts business days around weekends and holidays', () => {
    const holidays = new Set(['2026-12-25', '2026-12-28']);
    expect(isBusinessDay('2026-12-25', holidays)).toBe(false);
    expect(addBusinessDays('2026-12-24', 1, holidays)).toBe('2026-12-29');
    expect(addBusinessDays('2026-12-29', -1, holidays)).toBe('2026-12-24');
    expect(addBusinessDays('2026-11-22', 0)).toBe('2026-11-23');
    expect(businessDaysBetween('2026-11-20', '2026-11-27')).toBe(5);
  });

  it('business-day steps invert (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 20000 }), fc.integer({ min: 1, max: 40 }), (day, n) => {
        const start = addBusinessDays(addDays('2000-01-01', day), 0);
        const later = addBusinessDays(start, n);
        expect(businessDaysBetween(start, later)).toBe(n);
        expect(addBusinessDays(later, -n)).toBe(start);
      }),
    );
  });
});
