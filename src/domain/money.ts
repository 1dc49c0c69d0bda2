/**
 * Exact money arithmetic. Amounts travel as decimal strings (as stored in numeric columns) and are
 * computed as bigint counts of 1/10,000ths: enough for every ledger currency, and never a float.
 */

export const SCALE = 4;
const FACTOR = 10n ** BigInt(SCALE);
const DECIMAL = /^([+-])?(\d+)(?:\.(\d+))?$/;

export class MoneyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MoneyError';
  }
}

/** A scaled amount: `Units` of 10^-4. */
export type Units = bigint;

/** Parses "1234.5", "-0.01", "12" (no grouping, no exponent). More than 4 places must be zeros. */
export function parseAmount(input: string | number): Units {
  if (typeof input === 'number') {
    // Provider JSON carries amounts as numbers; their shortest decimal form is what the ledger meant.
    if (!Number.isFinite(input)) throw new MoneyError(`not a finite amount: ${input}`);
    input = numberToDecimalString(input);
  }
  const m = DECIMAL.exec(input.trim());
  if (!m) throw new MoneyError(`not a decimal amount: ${JSON.stringify(input)}`);
  const [, sign, whole, frac = ''] = m;
  if (frac.length > SCALE && /[^0]/.test(frac.slice(SCALE))) {
    throw new MoneyError(`more than ${SCALE} decimal places: ${input}`);
  }
  const units = BigInt(whole!) * FACTOR + BigInt((frac.slice(0, SCALE) || '0').padEnd(SCALE, '0'));
  return sign === '-' ? -units : units;
}

function numberToDecimalString(n: number): string {
  const s = String(n);
  if (!/e/i.test(s)) return s;
  // Exponent form (1e-7, 1e21): expand exactly via toFixed/BigInt rather than float maths.
  return Math.abs(n) >= 1 ? BigInt(n).toString() : n.toFixed(20).replace(/0+$/, '');
}

/** Canonical decimal string with `places` decimals (default 2), rounding half-even if needed. */
export function formatUnits(units: Units, places = 2): string {
  const rounded = roundToPlaces(units, places);
  const neg = rounded < 0n;
  const abs = neg ? -rounded : rounded;
  const whole = abs / FACTOR;
  const frac = (abs % FACTOR).toString().padStart(SCALE, '0').slice(0, places);
  return `${neg ? '-' : ''}${whole}${places > 0 ? `.${frac}` : ''}`;
}

/** Rounds to `places` decimals (≤ 4), half to even, keeping the 10^-4 scale. */
export function roundToPlaces(units: Units, places: number): Units {
  if (places >= SCALE) return units;
  const step = 10n ** BigInt(SCALE - places);
  return divRound(units, step) * step;
}

/** Integer division rounding half to even (banker's rounding), for any signs. */
export function divRound(n: bigint, d: bigint): bigint {
  if (d === 0n) throw new MoneyError('division by zero');
  if (d < 0n) return divRound(-n, -d);
  const q = n / d;
  const r = n % d;
  const twice = 2n * (r < 0n ? -r : r);
  if (twice < d) return q;
  const away = n < 0n ? q - 1n : q + 1n;
  if (twice > d) return away;
  return q % 2n === 0n ? q : away;
}

export const add = (...xs: Units[]): Units => xs.reduce((a, b) => a + b, 0n);
export const compare = (a: Units, b: Units): -1 | 0 | 1 => (a < b ? -1 : a > b ? 1 : 0);

/** amount × numerator ÷ denominator, half-even: percentages and rates without floats. */
export function mulRatio(units: Units, numerator: bigint, denominator: bigint): Units {
  return divRound(units * numerator, denominator);
}

/** Splits an amount by weights so the parts sum exactly to the whole (largest remainder). */
export function allocate(units: Units, weights: bigint[], places = 2): Units[] {
  if (weights.length === 0 || weights.some((w) => w < 0n)) throw new MoneyError('weights must be non-negative');
  const total = weights.reduce((a, b) => a + b, 0n);
  if (total === 0n) throw new MoneyError('weights sum to zero');
  const step = 10n ** BigInt(SCALE - Math.min(places, SCALE));
  const steps = units / step;
  const base = weights.map((w) => (steps * w) / total);
  let left = steps - base.reduce((a, b) => a + b, 0n);
  const order = weights
    .map((w, i) => ({ i, rem: (steps * w) % total }))
    .sort((a, b) => (a.rem === b.rem ? a.i - b.i : a.rem > b.rem ? -1 : 1));
  for (const { i } of order) {
    if (left === 0n) break;
    base[i]! += steps < 0n ? -1n : 1n;
    left += steps < 0n ? 1n : -1n;
  }
  return base.map((b) => b * step);
}

/** Adds decimal strings exactly; returns a canonical 4-place string (the numeric column's form). */
export function sumDecimal(values: (string | number)[]): string {
  return formatUnits(add(...values.map(parseAmount)), SCALE);
}

// Intl formatters are costly to build and immutable: one per locale and currency is reused.
const digitsCache = new Map<string, number>();
const formatCache = new Map<string, Intl.NumberFormat>();

/** Minor-unit digits of an ISO 4217 currency (JPY 0, USD 2, KWD 3), from Intl. */
export function currencyDigits(currency: string): number {
  let digits = digitsCache.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    } catch {
      throw new MoneyError(`unknown currency: ${currency}`);
    }
    digitsCache.set(currency, digits);
  }
  return digits;
}

/**
 * Display form for people, e.g. "$1,234.50" or "1.234,50 €". The amount goes to Intl as a
 * string, which formats it exactly (no conversion through a float).
 */
export function formatMoney(amount: string | Units, currency: string, locale = 'en-GB'): string {
  const units = typeof amount === 'bigint' ? amount : parseAmount(amount);
  const digits = currencyDigits(currency);
  const key = `${locale}|${currency}`;
  let f = formatCache.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    });
    formatCache.set(key, f);
  }
  return f.format(formatUnits(units, digits) as unknown as number);
}
