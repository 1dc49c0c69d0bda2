/** How each simulated customer pays. Mixed so risk scoring and cadences have something to learn. */
export type Behaviour =
  | 'prompt'
  | 'early'
  | 'slow'
  | 'erratic'
  | 'disputes'
  | 'partial'
  | 'deteriorating'
  | 'defaulter';

export type Profile = {
  behaviour: Behaviour;
  /** Mean and spread of days paid after the due date (negative: before). */
  meanLate: number;
  sdLate: number;
  pPartial: number;
  pDispute: number;
  pNeverPays: number;
  pVoid: number;
};

export const PROFILES: Record<Behaviour, Profile> = {
  early: { behaviour: 'early', meanLate: -4, sdLate: 2, pPartial: 0, pDispute: 0, pNeverPays: 0, pVoid: 0.01 },
  prompt: { behaviour: 'prompt', meanLate: 0, sdLate: 2, pPartial: 0.02, pDispute: 0.01, pNeverPays: 0, pVoid: 0.02 },
  slow: { behaviour: 'slow', meanLate: 18, sdLate: 6, pPartial: 0.05, pDispute: 0.02, pNeverPays: 0.01, pVoid: 0.02 },
  erratic: {
    behaviour: 'erratic',
    meanLate: 12,
    sdLate: 20,
    pPartial: 0.1,
    pDispute: 0.04,
    pNeverPays: 0.02,
    pVoid: 0.03,
  },
  disputes: {
    behaviour: 'disputes',
    meanLate: 8,
    sdLate: 8,
    pPartial: 0.05,
    pDispute: 0.25,
    pNeverPays: 0.02,
    pVoid: 0.05,
  },
  partial: {
    behaviour: 'partial',
    meanLate: 10,
    sdLate: 8,
    pPartial: 0.6,
    pDispute: 0.02,
    pNeverPays: 0.02,
    pVoid: 0.02,
  },
  deteriorating: {
    behaviour: 'deteriorating',
    meanLate: 3,
    sdLate: 4,
    pPartial: 0.05,
    pDispute: 0.03,
    pNeverPays: 0.03,
    pVoid: 0.02,
  },
  defaulter: {
    behaviour: 'defaulter',
    meanLate: 45,
    sdLate: 20,
    pPartial: 0.15,
    pDispute: 0.05,
    pNeverPays: 0.35,
    pVoid: 0.02,
  },
};

/** 40 customers: mostly fine payers, a tail of trouble, as a small business sees it. */
export const MIX: Behaviour[] = [
  ...Array<Behaviour>(12).fill('prompt'),
  ...Array<Behaviour>(5).fill('early'),
  ...Array<Behaviour>(7).fill('slow'),
  ...Array<Behaviour>(5).fill('erratic'),
  ...Array<Behaviour>(3).fill('disputes'),
  ...Array<Behaviour>(4).fill('partial'),
  ...Array<Behaviour>(2).fill('deteriorating'),
  ...Array<Behaviour>(2).fill('defaulter'),
];

export type Region = { country: string; timezone: string | undefined; currency: string };

/** Some customers abroad; a few with no zone on file (the ledger's zone applies). */
export const REGIONS: Region[] = [
  { country: 'GB', timezone: 'Europe/London', currency: 'GBP' },
  { country: 'GB', timezone: undefined, currency: 'GBP' },
  { country: 'US', timezone: 'America/New_York', currency: 'USD' },
  { country: 'US', timezone: 'America/Los_Angeles', currency: 'USD' },
  { country: 'AU', timezone: 'Australia/Sydney', currency: 'AUD' },
  { country: 'NZ', timezone: 'Pacific/Auckland', currency: 'NZD' },
  { country: 'DE', timezone: 'Europe/Berlin', currency: 'EUR' },
  { country: 'JP', timezone: 'Asia/Tokyo', currency: 'JPY' },
];

export const NAME_A = [
  'Acorn',
  'Birch',
  'Cobalt',
  'Delta',
  'Ember',
  'Fern',
  'Granite',
  'Harbour',
  'Iris',
  'Juniper',
  'Kestrel',
  'Linden',
  'Maple',
  'Northwind',
  'Orchid',
  'Pebble',
  'Quarry',
  'Riverside',
  'Saffron',
  'Thistle',
];
export const NAME_B = [
  'Bakery',
  'Builders',
  'Studio',
  'Dental',
  'Logistics',
  'Florists',
  'Engineering',
  'Cafe',
  'Print Co',
  'Joinery',
  'Design',
  'Motors',
  'Clinic',
  'Outfitters',
  'Labs',
];
export const NAME_C = ['Ltd', 'Limited', 'LLC', 'Pty Ltd', 'GmbH', '& Sons', 'Co', 'KK'];
