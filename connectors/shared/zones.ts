/**
 * A business's time zone from where it is, for providers that do not say (QuickBooks) or name
 * one we do not know. Reminders go out in the debtor's or the ledger's business hours: a wrong
 * zone sends them at night, so a guess is marked as one and the owner is asked to confirm it.
 */

/** Countries within one zone (or whose businesses overwhelmingly keep one), by ISO 3166 code. */
const COUNTRY: Readonly<Record<string, string>> = {
  AD: 'Europe/Andorra',
  AE: 'Asia/Dubai',
  AF: 'Asia/Kabul',
  AL: 'Europe/Tirane',
  AM: 'Asia/Yerevan',
  AO: 'Africa/Luanda',
  AR: 'America/Argentina/Buenos_Aires',
  AT: 'Europe/Vienna',
  AZ: 'Asia/Baku',
  BA: 'Europe/Sarajevo',
  BB: 'America/Barbados',
  BD: 'Asia/Dhaka',
  BE: 'Europe/Brussels',
  BG: 'Europe/Sofia',
  BH: 'Asia/Bahrain',
  BM: 'Atlantic/Bermuda',
  BN: 'Asia/Brunei',
  BO: 'America/La_Paz',
  BS: 'America/Nassau',
  BT: 'Asia/Thimphu',
  BW: 'Africa/Gaborone',
  BY: 'Europe/Minsk',
  BZ: 'America/Belize',
  CH: 'Europe/Zurich',
  CI: 'Africa/Abidjan',
  CK: 'Pacific/Rarotonga',
  CM: 'Africa/Douala',
  CN: 'Asia/Shanghai',
  CO: 'America/Bogota',
  CR: 'America/Costa_Rica',
  CY: 'Asia/Nicosia',
  CZ: 'Europe/Prague',
  DE: 'Europe/Berlin',
  DK: 'Europe/Copenhagen',
  DO: 'America/Santo_Domingo',
  DZ: 'Africa/Algiers',
  EE: 'Europe/Tallinn',
  EG: 'Africa/Cairo',
  ET: 'Africa/Addis_Ababa',
  FI: 'Europe/Helsinki',
  FJ: 'Pacific/Fiji',
  FR: 'Europe/Paris',
  GB: 'Europe/London',
  GE: 'Asia/Tbilisi',
  GH: 'Africa/Accra',
  GI: 'Europe/Gibraltar',
  GR: 'Europe/Athens',
  GT: 'America/Guatemala',
  GU: 'Pacific/Guam',
  HK: 'Asia/Hong_Kong',
  HN: 'America/Tegucigalpa',
  HR: 'Europe/Zagreb',
  HU: 'Europe/Budapest',
  IE: 'Europe/Dublin',
  IL: 'Asia/Jerusalem',
  IN: 'Asia/Kolkata',
  IQ: 'Asia/Baghdad',
  IR: 'Asia/Tehran',
  IS: 'Atlantic/Reykjavik',
  IT: 'Europe/Rome',
  JM: 'America/Jamaica',
  JO: 'Asia/Amman',
  JP: 'Asia/Tokyo',
  KE: 'Africa/Nairobi',
  KH: 'Asia/Phnom_Penh',
  KR: 'Asia/Seoul',
  KW: 'Asia/Kuwait',
  KY: 'America/Cayman',
  LB: 'Asia/Beirut',
  LI: 'Europe/Vaduz',
  LK: 'Asia/Colombo',
  LT: 'Europe/Vilnius',
  LU: 'Europe/Luxembourg',
  LV: 'Europe/Riga',
  MA: 'Africa/Casablanca',
  MC: 'Europe/Monaco',
  MD: 'Europe/Chisinau',
  ME: 'Europe/Podgorica',
  MK: 'Europe/Skopje',
  MM: 'Asia/Yangon',
  MO: 'Asia/Macau',
  MT: 'Europe/Malta',
  MU: 'Indian/Mauritius',
  MV: 'Indian/Maldives',
  MW: 'Africa/Blantyre',
  MY: 'Asia/Kuala_Lumpur',
  MZ: 'Africa/Maputo',
  NA: 'Africa/Windhoek',
  NG: 'Africa/Lagos',
  NI: 'America/Managua',
  NL: 'Europe/Amsterdam',
  NO: 'Europe/Oslo',
  NP: 'Asia/Kathmandu',
  NZ: 'Pacific/Auckland',
  OM: 'Asia/Muscat',
  PA: 'America/Panama',
  PE: 'America/Lima',
  PG: 'Pacific/Port_Moresby',
  PH: 'Asia/Manila',
  PK: 'Asia/Karachi',
  PL: 'Europe/Warsaw',
  PR: 'America/Puerto_Rico',
  PY: 'America/Asuncion',
  QA: 'Asia/Qatar',
  RO: 'Europe/Bucharest',
  RS: 'Europe/Belgrade',
  RW: 'Africa/Kigali',
  SA: 'Asia/Riyadh',
  SB: 'Pacific/Guadalcanal',
  SC: 'Indian/Mahe',
  SE: 'Europe/Stockholm',
  SG: 'Asia/Singapore',
  SI: 'Europe/Ljubljana',
  SK: 'Europe/Bratislava',
  SN: 'Africa/Dakar',
  SV: 'America/El_Salvador',
  TH: 'Asia/Bangkok',
  TN: 'Africa/Tunis',
  TO: 'Pacific/Tongatapu',
  TR: 'Europe/Istanbul',
  TT: 'America/Port_of_Spain',
  TW: 'Asia/Taipei',
  TZ: 'Africa/Dar_es_Salaam',
  UA: 'Europe/Kyiv',
  UG: 'Africa/Kampala',
  UY: 'America/Montevideo',
  UZ: 'Asia/Tashkent',
  VE: 'America/Caracas',
  VN: 'Asia/Ho_Chi_Minh',
  VU: 'Pacific/Efate',
  WS: 'Pacific/Apia',
  ZA: 'Africa/Johannesburg',
  ZM: 'Africa/Lusaka',
  ZW: 'Africa/Harare',
};

/**
 * Countries across several zones: by state or province where the provider gives one, else the
 * zone most of its businesses keep, marked as a guess.
 */
const REGIONS: Readonly<Record<string, { main: string; regions: Record<string, string> }>> = {
  US: {
    main: 'America/New_York',
    regions: {
      ...spread('America/New_York', 'CT DE DC FL GA KY ME MD MA MI NH NJ NY NC OH PA RI SC VT VA WV'),
      ...spread('America/Chicago', 'AL AR IL IA KS LA MN MS MO NE ND OK SD TN TX WI'),
      ...spread('America/Denver', 'CO ID MT NM UT WY'),
      ...spread('America/Los_Angeles', 'CA NV OR WA'),
      IN: 'America/Indiana/Indianapolis',
      AZ: 'America/Phoenix',
      AK: 'America/Anchorage',
      HI: 'Pacific/Honolulu',
      PR: 'America/Puerto_Rico',
    },
  },
  CA: {
    main: 'America/Toronto',
    regions: {
      ...spread('America/Toronto', 'ON QC'),
      ...spread('America/Halifax', 'NS NB PE'),
      ...spread('America/Edmonton', 'AB NT'),
      BC: 'America/Vancouver',
      SK: 'America/Regina',
      MB: 'America/Winnipeg',
      NL: 'America/St_Johns',
      YT: 'America/Whitehorse',
      NU: 'America/Iqaluit',
    },
  },
  AU: {
    main: 'Australia/Sydney',
    regions: {
      ...spread('Australia/Sydney', 'NSW ACT'),
      VIC: 'Australia/Melbourne',
      QLD: 'Australia/Brisbane',
      SA: 'Australia/Adelaide',
      WA: 'Australia/Perth',
      TAS: 'Australia/Hobart',
      NT: 'Australia/Darwin',
    },
  },
  MX: {
    main: 'America/Mexico_City',
    regions: {
      BC: 'America/Tijuana',
      BCN: 'America/Tijuana',
      SON: 'America/Hermosillo',
      ...spread('America/Mazatlan', 'SIN BCS NAY'),
      ROO: 'America/Cancun',
      QR: 'America/Cancun',
      CHH: 'America/Chihuahua',
    },
  },
  BR: {
    main: 'America/Sao_Paulo',
    regions: {
      ...spread('America/Sao_Paulo', 'SP RJ MG ES PR SC RS GO DF'),
      ...spread('America/Manaus', 'AM RR RO'),
      ...spread('America/Cuiaba', 'MT MS'),
      ...spread('America/Recife', 'PE PB RN AL SE'),
      ...spread('America/Fortaleza', 'CE PI MA'),
      ...spread('America/Belem', 'PA AP'),
      BA: 'America/Bahia',
      TO: 'America/Araguaina',
      AC: 'America/Rio_Branco',
    },
  },
  ES: { main: 'Europe/Madrid', regions: { CN: 'Atlantic/Canary', GC: 'Atlantic/Canary', TF: 'Atlantic/Canary' } },
  PT: { main: 'Europe/Lisbon', regions: { '20': 'Atlantic/Azores', '30': 'Europe/Lisbon' } },
  RU: { main: 'Europe/Moscow', regions: {} },
  ID: { main: 'Asia/Jakarta', regions: {} },
  KZ: { main: 'Asia/Almaty', regions: {} },
  CL: { main: 'America/Santiago', regions: {} },
  EC: { main: 'America/Guayaquil', regions: {} },
};

function spread(zone: string, codes: string): Record<string, string> {
  return Object.fromEntries(codes.split(' ').map((c) => [c, zone]));
}

export type PlaceZone = {
  zone: string /** Not known from where the business is: the owner is asked. */;
  guessed: boolean;
};

/**
 * The zone of a business in `country` (ISO 3166 alpha-2), in `region` (its state or province
 * code) if given. Unknown country: UTC, a guess.
 */
export function zoneForPlace(country: string | undefined, region?: string): PlaceZone {
  const c = country?.trim().toUpperCase();
  if (!c) return { zone: 'UTC', guessed: true };
  const multi = REGIONS[c];
  if (multi) {
    const r = region?.trim().toUpperCase();
    const zone = r ? multi.regions[r] : undefined;
    return zone ? { zone, guessed: false } : { zone: multi.main, guessed: true };
  }
  const zone = COUNTRY[c];
  return zone ? { zone, guessed: false } : { zone: 'UTC', guessed: true };
}
