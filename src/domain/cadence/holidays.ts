import Holidays from 'date-holidays';
import type { IsoDate } from '../dates.ts';
import type { HolidayCheck } from './window.ts';

/**
 * Public holidays of a country (date-holidays' national calendars), as local dates. No I/O:
 * the calendars are data inside the package. Regional holidays are not included: a ledger
 * knows its country, not its debtors' states.
 */
const byCountryYear = new Map<string, ReadonlySet<IsoDate>>();

function publicHolidays(country: string, year: number): ReadonlySet<IsoDate> {
  const key = `${country}:${year}`;
  let set = byCountryYear.get(key);
  if (!set) {
    const hd = new Holidays();
    const known = country in hd.getCountries();
    if (known) hd.init(country);
    set = new Set(
      known
        ? hd
            .getHolidays(year)
            .filter((h) => h.type === 'public')
            .map((h) => h.date.slice(0, 10))
        : [],
    );
    byCountryYear.set(key, set);
  }
  return set;
}

/** Holiday check for a ledger's country; unknown or missing country means no holidays. */
export function holidaysFor(country: string | null | undefined): HolidayCheck {
  if (!country || !/^[A-Za-z]{2}$/.test(country)) return () => false;
  const c = country.toUpperCase();
  return (date) => publicHolidays(c, Number(date.slice(0, 4))).has(date);
}
