/**
 * Calendar dates ("YYYY-MM-DD", no zone) and instants (Date) with explicit IANA zones.
 * Nothing here reads the process's own zone: results are the same under any TZ.
 */

export type IsoDate = string;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

export class DateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DateError';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** A zone this runtime knows by its IANA name. */
export function isValidTimeZone(tz: string | null | undefined): tz is string {
  if (!tz) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The debtor's zone: the contact's if valid, else the ledger's. Never the server's. */
export function resolveTimeZone(contactTz: string | null | undefined, ledgerTz: string): string {
  if (isValidTimeZone(contactTz)) return contactTz;
  if (isValidTimeZone(ledgerTz)) return ledgerTz;
  throw new DateError(`no valid time zone (contact ${contactTz ?? 'none'}, ledger ${ledgerTz})`);
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export type ZonedParts = {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** ISO weekday: Monday 1 … Sunday 7. */
  weekday: number;
};

/** Wall-clock fields of an instant in a zone. */
export function zonedParts(instant: Date, tz: string): ZonedParts {
  const parts: Record<string, string> = {};
  for (const p of formatter(tz).formatToParts(instant)) parts[p.type] = p.value;
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS[parts.weekday!]!,
  };
}

/** The calendar date an instant falls on in a zone. */
export function localDate(instant: Date, tz: string): IsoDate {
  return memo(localDates, `${tz}|${instant.getTime()}`, () => {
    const p = zonedParts(instant, tz);
    return `${p.year.toString().padStart(4, '0')}-${pad(p.month)}-${pad(p.day)}`;
  });
}

/**
 * Zone arithmetic is pure, and planning asks the same few questions for every invoice (today's
 * date, the window's opening on the same days): each Intl lookup costs microseconds, so a
 * backfill of 100,000 invoices spent seconds on them. Answers are kept, up to MEMO_MAX each.
 */
const MEMO_MAX = 20_000;
const localDates = new Map<string, IsoDate>();
const instants = new Map<string, number>();
function memo<T>(cache: Map<string, T>, key: string, compute: () => T): T {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = compute();
  if (cache.size >= MEMO_MAX) cache.clear();
  cache.set(key, value);
  return value;
}

/** Offset of a zone from UTC at an instant, in minutes (east positive). */
export function offsetMinutes(instant: Date, tz: string): number {
  const p = zonedParts(instant, tz);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/**
 * The instant a wall-clock time happens in a zone. In a DST gap (02:30 that never happens) the
 * result is moved forward by the gap; in an overlap (01:30 that happens twice) the earlier one.
 */
export function zonedTimeToInstant(date: IsoDate, time: string, tz: string): Date {
  return new Date(memo(instants, `${tz}|${date}|${time}`, () => instantOf(date, time, tz).getTime()));
}

function instantOf(date: IsoDate, time: string, tz: string): Date {
  const { y, m, d } = parseDate(date);
  const t = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(time);
  if (!t) throw new DateError(`not a time: ${time}`);
  const wall = Date.UTC(y, m - 1, d, Number(t[1]), Number(t[2]), Number(t[3] ?? 0));
  // Try the offsets in force a day either side; the earliest candidate that reads back as the
  // requested wall time wins (earlier of an overlap). None reads back: the time is in a gap.
  const offsets = new Set([offsetMinutes(new Date(wall - DAY_MS), tz), offsetMinutes(new Date(wall + DAY_MS), tz)]);
  const candidates = [...offsets].map((o) => wall - o * 60_000).sort((a, b) => a - b);
  for (const c of candidates) {
    if (sameWall(new Date(c), tz, wall)) return new Date(c);
  }
  // Gap: use the offset from before the transition, which lands after it by the gap's length.
  const before = offsetMinutes(new Date(wall - DAY_MS), tz);
  return new Date(wall - before * 60_000);
}

function sameWall(instant: Date, tz: string, wall: number): boolean {
  const p = zonedParts(instant, tz);
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) === wall;
}

const pad = (n: number) => n.toString().padStart(2, '0');

export function parseDate(date: IsoDate): { y: number; m: number; d: number } {
  const match = ISO_DATE.exec(date);
  if (!match) throw new DateError(`not a date: ${JSON.stringify(date)}`);
  const [y, m, d] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(y, m - 1, d));
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== m - 1 || check.getUTCDate() !== d) {
    throw new DateError(`no such date: ${date}`);
  }
  return { y, m, d };
}

/**
 * Day numbers of calendar dates, kept like the zone answers above: risk features and planning
 * compare the same few thousand dates of a ledger millions of times, and parsing each one again
 * was a third of fitting a model.
 */
const dayNumbers = new Map<string, number>();
const dates = new Map<number, IsoDate>();
const toDayNumber = (date: IsoDate): number => {
  const hit = dayNumbers.get(date);
  if (hit !== undefined) return hit;
  const { y, m, d } = parseDate(date);
  const n = Date.UTC(y, m - 1, d) / DAY_MS;
  if (dayNumbers.size >= MEMO_MAX) dayNumbers.clear();
  dayNumbers.set(date, n);
  return n;
};
const fromDayNumber = (n: number): IsoDate => {
  const hit = dates.get(n);
  if (hit !== undefined) return hit;
  const date = new Date(n * DAY_MS).toISOString().slice(0, 10);
  if (dates.size >= MEMO_MAX) dates.clear();
  dates.set(n, date);
  return date;
};

export const addDays = (date: IsoDate, days: number): IsoDate => fromDayNumber(toDayNumber(date) + days);
/** Whole days from a to b (b − a). */
export const daysBetween = (a: IsoDate, b: IsoDate): number => toDayNumber(b) - toDayNumber(a);
/** ISO weekday of a calendar date: Monday 1 … Sunday 7. */
export const isoWeekday = (date: IsoDate): number => ((((toDayNumber(date) + 3) % 7) + 7) % 7) + 1;

export const addMonths = (date: IsoDate, months: number): IsoDate => {
  const { y, m, d } = parseDate(date);
  const total = y * 12 + (m - 1) + months;
  const ny = Math.floor(total / 12);
  const nm = (total % 12) + 1;
  const last = new Date(Date.UTC(ny, nm, 0)).getUTCDate();
  return `${ny.toString().padStart(4, '0')}-${pad(nm)}-${pad(Math.min(d, last))}`;
};

export function isBusinessDay(date: IsoDate, holidays: ReadonlySet<IsoDate> = new Set()): boolean {
  return isoWeekday(date) <= 5 && !holidays.has(date);
}

/** Moves by n business days (n may be negative); n = 0 rolls forward to a business day. */
export function addBusinessDays(date: IsoDate, n: number, holidays: ReadonlySet<IsoDate> = new Set()): IsoDate {
  let d = date;
  if (n === 0) {
    while (!isBusinessDay(d, holidays)) d = addDays(d, 1);
    return d;
  }
  const step = n > 0 ? 1 : -1;
  let left = Math.abs(n);
  while (left > 0) {
    d = addDays(d, step);
    if (isBusinessDay(d, holidays)) left--;
  }
  return d;
}

/** Business days strictly after a, up to and including b. */
export function businessDaysBetween(a: IsoDate, b: IsoDate, holidays: ReadonlySet<IsoDate> = new Set()): number {
  const sign = daysBetween(a, b) >= 0 ? 1 : -1;
  let count = 0;
  for (let d = a; d !== b; ) {
    d = addDays(d, sign);
    if (isBusinessDay(d, holidays)) count += sign;
  }
  return count;
}
