/**
 * Xero reports an organisation's zone as a Windows-style name ("NEWZEALANDSTANDARDTIME"); the rest
 * of overdue works in IANA zones. Unlisted names fall back to the organisation's country.
 */
const XERO_TO_IANA: Record<string, string> = {
  NEWZEALANDSTANDARDTIME: 'Pacific/Auckland',
  CHATHAMISLANDSSTANDARDTIME: 'Pacific/Chatham',
  AUSEASTERNSTANDARDTIME: 'Australia/Sydney',
  EAUSTRALIASTANDARDTIME: 'Australia/Brisbane',
  TASMANIASTANDARDTIME: 'Australia/Hobart',
  CENAUSTRALIASTANDARDTIME: 'Australia/Adelaide',
  AUSCENTRALSTANDARDTIME: 'Australia/Darwin',
  WAUSTRALIASTANDARDTIME: 'Australia/Perth',
  GMTSTANDARDTIME: 'Europe/London',
  GREENWICHSTANDARDTIME: 'Atlantic/Reykjavik',
  UTC: 'UTC',
  WEUROPESTANDARDTIME: 'Europe/Berlin',
  ROMANCESTANDARDTIME: 'Europe/Paris',
  CENTRALEUROPESTANDARDTIME: 'Europe/Budapest',
  CENTRALEUROPEANSTANDARDTIME: 'Europe/Warsaw',
  GTBSTANDARDTIME: 'Europe/Bucharest',
  FLESTANDARDTIME: 'Europe/Kiev',
  EASTERNSTANDARDTIME: 'America/New_York',
  CENTRALSTANDARDTIME: 'America/Chicago',
  MOUNTAINSTANDARDTIME: 'America/Denver',
  USMOUNTAINSTANDARDTIME: 'America/Phoenix',
  PACIFICSTANDARDTIME: 'America/Los_Angeles',
  ALASKANSTANDARDTIME: 'America/Anchorage',
  HAWAIIANSTANDARDTIME: 'Pacific/Honolulu',
  ATLANTICSTANDARDTIME: 'America/Halifax',
  NEWFOUNDLANDSTANDARDTIME: 'America/St_Johns',
  CANADACENTRALSTANDARDTIME: 'America/Regina',
  SOUTHAFRICASTANDARDTIME: 'Africa/Johannesburg',
  SINGAPORESTANDARDTIME: 'Asia/Singapore',
  CHINASTANDARDTIME: 'Asia/Shanghai',
  TOKYOSTANDARDTIME: 'Asia/Tokyo',
  INDIASTANDARDTIME: 'Asia/Kolkata',
  ARABIANSTANDARDTIME: 'Asia/Dubai',
  FIJISTANDARDTIME: 'Pacific/Fiji',
  TONGASTANDARDTIME: 'Pacific/Tongatapu',
  SAMOASTANDARDTIME: 'Pacific/Apia',
};

const COUNTRY_DEFAULT: Record<string, string> = {
  NZ: 'Pacific/Auckland',
  AU: 'Australia/Sydney',
  GB: 'Europe/London',
  IE: 'Europe/Dublin',
  US: 'America/New_York',
  CA: 'America/Toronto',
  ZA: 'Africa/Johannesburg',
  SG: 'Asia/Singapore',
  HK: 'Asia/Hong_Kong',
};

export function xeroTimezone(xeroName: string | undefined, countryCode: string | undefined): string {
  const direct = xeroName ? XERO_TO_IANA[xeroName.toUpperCase()] : undefined;
  if (direct) return direct;
  if (countryCode && COUNTRY_DEFAULT[countryCode.toUpperCase()]) return COUNTRY_DEFAULT[countryCode.toUpperCase()]!;
  // Xero's own home zone: a closer guess than the server's for an unknown organisation.
  return 'Pacific/Auckland';
}
