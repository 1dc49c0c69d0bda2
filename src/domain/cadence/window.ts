import { addDays, type IsoDate, isoWeekday, localDate, zonedParts, zonedTimeToInstant } from '../dates.ts';
import type { SendWindow } from './policy.ts';

export type HolidayCheck = (date: IsoDate) => boolean;
const noHolidays: HolidayCheck = () => false;

/**
 * The hours no reminder goes out outside, in the debtor's zone, whatever a policy says: US
 * Regulation F presumes contact before 08:00 or after 21:00 inconvenient; the Australian debt
 * collection guideline sets 07:30-21:00 on weekdays and 09:00-21:00 at weekends. The stricter of
 * the two, as floors under every policy.
 */
export const LEGAL_HOURS = {
  weekdays: ['08:00', '21:00'],
  weekends: ['09:00', '21:00'],
} as const satisfies Record<'weekdays' | 'weekends', readonly [string, string]>;

/** Why a send window reaches outside the legal hours, or null when it stays inside them. */
export function legalWindowProblem(window: SendWindow): string | null {
  for (const part of ['weekdays', 'weekends'] as const) {
    const hours = window[part];
    const [from, until] = LEGAL_HOURS[part];
    if (hours && (hours[0] < from || hours[1] > until))
      return `${part} sends must fall between ${from} and ${until} in the debtor's time zone (US Regulation F and the Australian debt collection guideline)`;
  }
  return null;
}

/** The window's [start, end) wall times on a local date, kept to the legal hours; null when closed. */
function hoursOn(date: IsoDate, window: SendWindow, isHoliday: HolidayCheck): [string, string] | null {
  if (window.skipHolidays && isHoliday(date)) return null;
  const part = isoWeekday(date) >= 6 ? 'weekends' : 'weekdays';
  const hours = window[part];
  if (!hours) return null;
  // A policy saved before the floors existed is held to them here.
  const from = hours[0] > LEGAL_HOURS[part][0] ? hours[0] : LEGAL_HOURS[part][0];
  const until = hours[1] < LEGAL_HOURS[part][1] ? hours[1] : LEGAL_HOURS[part][1];
  return from < until ? [from, until] : null;
}

/** True when `instant` is inside the window in zone `tz` (the debtor's). */
export function insideWindow(
  instant: Date,
  tz: string,
  window: SendWindow,
  isHoliday: HolidayCheck = noHolidays,
): boolean {
  const date = localDate(instant, tz);
  const hours = hoursOn(date, window, isHoliday);
  if (!hours) return false;
  return instant >= zonedTimeToInstant(date, hours[0], tz) && instant < zonedTimeToInstant(date, hours[1], tz);
}

/**
 * The first instant at or after `from` inside the window, in zone `tz`. Searches up to 60 days
 * ahead (a window that never opens, e.g. no hours and every day a holiday, returns null).
 */
export function nextSendInstant(
  from: Date,
  tz: string,
  window: SendWindow,
  isHoliday: HolidayCheck = noHolidays,
): Date | null {
  let date = localDate(from, tz);
  for (let i = 0; i < 60; i++, date = addDays(date, 1)) {
    const hours = hoursOn(date, window, isHoliday);
    if (!hours) continue;
    const start = zonedTimeToInstant(date, hours[0], tz);
    const end = zonedTimeToInstant(date, hours[1], tz);
    if (from < start) return start;
    if (from < end) return from;
  }
  return null;
}

/** Wall-clock hour and minute of an instant in a zone, "HH:MM" (for explaining gate results). */
export function wallTime(instant: Date, tz: string): string {
  const p = zonedParts(instant, tz);
  return `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
}
