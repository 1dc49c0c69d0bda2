import { addDays, type IsoDate, isoWeekday, localDate, zonedParts, zonedTimeToInstant } from '../dates.ts';
import type { SendWindow } from './policy.ts';

export type HolidayCheck = (date: IsoDate) => boolean;
const noHolidays: HolidayCheck = () => false;

/** The window's [start, end) wall times on a local date, or null when that day is closed. */
function hoursOn(date: IsoDate, window: SendWindow, isHoliday: HolidayCheck): [string, string] | null {
  if (window.skipHolidays && isHoliday(date)) return null;
  return isoWeekday(date) >= 6 ? window.weekends : window.weekdays;
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
