import { addDays, addMonths, daysBetween, type IsoDate, zonedTimeToInstant } from '../../src/domain/dates.ts';
import { currencyDigits, formatUnits, type Units } from '../../src/domain/money.ts';
import type { Ledger } from '../types.ts';
import { MIX, NAME_A, NAME_B, NAME_C, PROFILES, type Profile, REGIONS, type Region } from './profiles.ts';
import { createRng, type Rng } from './random.ts';

/**
 * The whole simulated book as a timeline: every invoice with the instants at which it is issued,
 * paid, credited or voided. What the ledger "shows" at any moment is this timeline cut at that
 * moment (see state.ts), so the demo advances with the clock and stays deterministic.
 */

export const LEDGER_TZ = 'Europe/London';
const HISTORY_MONTHS = 18;
const FUTURE_MONTHS = 24;

export type DemoCustomer = {
  externalId: string;
  name: string;
  email: string;
  phone: string;
  region: Region;
  profile: Profile;
  termsDays: number;
  everyDays: number;
  createdAt: Date;
};

type MoneyEvent = { externalId: string; at: Date; date: IsoDate; amount: Units };

export type DemoInvoice = {
  externalId: string;
  number: string;
  customer: DemoCustomer;
  currency: string;
  issueDate: IsoDate;
  dueDate: IsoDate;
  issuedAt: Date;
  total: Units;
  payments: MoneyEvent[];
  credit?: MoneyEvent & { number: string };
  voidedAt?: Date;
};

export type DemoBook = { ledger: Ledger; customers: DemoCustomer[]; invoices: DemoInvoice[] };

const at = (date: IsoDate, time: string) => zonedTimeToInstant(date, time, LEDGER_TZ);

function customer(rng: Rng, index: number, start: IsoDate): DemoCustomer {
  const r = rng.fork(`customer:${index}`);
  const profile = PROFILES[MIX[index % MIX.length]!];
  // Most customers are local; every fifth is abroad, in its own currency and zone.
  const region = index % 5 === 4 ? r.pick(REGIONS.slice(2)) : r.pick(REGIONS.slice(0, 2));
  const name = `${NAME_A[index % NAME_A.length]} ${r.pick(NAME_B)} ${r.pick(NAME_C)}`;
  const slug = name
    .toLowerCase()
    .replace(/[^a-z]+/g, '-')
    .replace(/^-|-$/g, '');
  return {
    externalId: `demo-contact-${String(index + 1).padStart(3, '0')}`,
    name,
    email: `accounts@${slug}.example`,
    phone: `+44 20 7946 ${String(r.int(0, 9999)).padStart(4, '0')}`,
    region,
    profile,
    termsDays: r.pick([7, 14, 30, 30, 30, 45]),
    everyDays: r.pick([14, 30, 30, 30, 30, 91]),
    createdAt: at(addDays(start, -r.int(10, 200)), '10:00'),
  };
}

function amountFor(r: Rng, currency: string): Units {
  const digits = currencyDigits(currency);
  const base = currency === 'JPY' ? 40_000 : 300;
  const major = Math.max(1, Math.round(base * Math.exp(r.normal(0.6, 0.7))));
  const minor = digits === 0 ? 0 : r.int(0, 99);
  // Units are 1/10,000ths; JPY has no minor unit.
  return BigInt(major) * 10_000n + BigInt(minor) * 100n;
}

/** A stretch of dates during which a customer is short of cash and pays later than usual. */
type Spell = { from: IsoDate; to: IsoDate; extraDays: number };

/**
 * Real payers are not stationary: businesses go through tight spells (a lost client, a slow
 * season) lasting a few months, during which even prompt payers slip. About one spell per
 * customer every two years; drawn from the customer's own stream so nothing else shifts.
 */
function cashSpells(r: Rng, start: IsoDate, end: IsoDate): Spell[] {
  const spells: Spell[] = [];
  for (let d = start; d <= end; d = addDays(d, 30)) {
    if (!r.chance(0.04)) continue;
    const to = addDays(d, r.int(45, 120));
    spells.push({ from: d, to, extraDays: r.int(10, 25) });
    d = to;
  }
  return spells;
}

/** Larger invoices than usual wait longer for approval: a few days per doubling of the amount. */
function sizeDelay(total: Units, currency: string): number {
  const typical = (currency === 'JPY' ? 40_000 : 300) * Math.exp(0.6);
  return Math.round(4 * Math.log(Number(total / 10_000n) / typical));
}

function invoiceFor(
  r: Rng,
  c: DemoCustomer,
  seq: number,
  issueDate: IsoDate,
  historyStart: IsoDate,
  spells: Spell[] = [],
): DemoInvoice {
  const p = c.profile;
  const currency = c.region.currency;
  const dueDate = addDays(issueDate, c.termsDays);
  const total = amountFor(r, currency);
  const inv: DemoInvoice = {
    externalId: `demo-inv-${c.externalId.slice(-3)}-${String(seq).padStart(4, '0')}`,
    number: `INV-${c.externalId.slice(-3)}${String(seq).padStart(4, '0')}`,
    customer: c,
    currency,
    issueDate,
    dueDate,
    issuedAt: at(issueDate, '09:30'),
    total,
    payments: [],
  };
  if (r.chance(p.pVoid)) {
    inv.voidedAt = at(addDays(issueDate, r.int(1, 5)), '11:00');
    return inv;
  }
  // A deteriorating payer drifts later through the history.
  const drift = p.behaviour === 'deteriorating' ? Math.max(0, daysBetween(historyStart, issueDate)) / 18 : 0;
  const spell = spells.find((x) => x.from <= issueDate && issueDate <= x.to)?.extraDays ?? 0;
  let lateBy = Math.round(r.normal(p.meanLate + drift, p.sdLate)) + spell + sizeDelay(total, currency);
  lateBy = Math.max(lateBy, -daysBetween(issueDate, dueDate));
  if (r.chance(p.pDispute)) {
    // Disputes end in a credit note for the whole invoice, a while after the due date.
    const date = addDays(dueDate, r.int(20, 60));
    inv.credit = {
      externalId: `${inv.externalId}-cn`,
      number: `CN-${inv.number.slice(4)}`,
      at: at(date, '15:00'),
      date,
      amount: total,
    };
    return inv;
  }
  if (r.chance(p.pNeverPays)) return inv;
  const payDate = addDays(dueDate, lateBy);
  if (r.chance(p.pPartial)) {
    const first = (total / 20_000n) * 10_000n - (((total / 20_000n) * 10_000n) % 100n);
    const firstDate = addDays(dueDate, Math.round(lateBy / 2));
    inv.payments.push({
      externalId: `${inv.externalId}-p1`,
      at: at(firstDate, '13:00'),
      date: firstDate,
      amount: first,
    });
    const restDate = addDays(payDate, r.int(5, 30));
    inv.payments.push({
      externalId: `${inv.externalId}-p2`,
      at: at(restDate, '13:00'),
      date: restDate,
      amount: total - first,
    });
  } else {
    inv.payments.push({ externalId: `${inv.externalId}-p1`, at: at(payDate, '14:00'), date: payDate, amount: total });
  }
  return inv;
}

/** The same seed and anchor always give the same book. The anchor is "today" when the demo was created. */
export function generateDemoBook(seed: number, anchor: IsoDate, customers = 40): DemoBook {
  const rng = createRng(seed);
  const historyStart = addMonths(anchor, -HISTORY_MONTHS);
  const end = addMonths(anchor, FUTURE_MONTHS);
  const list = Array.from({ length: customers }, (_, i) => customer(rng, i, historyStart));
  const invoices: DemoInvoice[] = [];
  for (const c of list) {
    const r = rng.fork(`invoices:${c.externalId}`);
    const spells = cashSpells(rng.fork(`spells:${c.externalId}`), historyStart, end);
    let seq = 1;
    for (let d = addDays(historyStart, r.int(0, c.everyDays)); d <= end; d = addDays(d, c.everyDays + r.int(-3, 3))) {
      invoices.push(invoiceFor(r, c, seq++, d, historyStart, spells));
    }
  }
  return {
    ledger: {
      externalId: `demo-${seed}`,
      name: 'Demo Trading Ltd',
      legalName: 'Demo Trading Limited',
      baseCurrency: 'GBP',
      timezone: LEDGER_TZ,
      country: 'GB',
    },
    customers: list,
    invoices,
  };
}

export const formatAmount = (units: Units) => formatUnits(units, 4);
