import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  add,
  allocate,
  currencyDigits,
  divRound,
  formatMoney,
  formatUnits,
  MoneyError,
  mulRatio,
  parseAmount,
  sumDecimal,
} from '../../src/domain/money.ts';

describe('money', () => {
  it('parses decimal strings and provider numbers exactly', () => {
    expect(parseAmount('1234.5')).toBe(12_345_000n);
    expect(parseAmount('-0.01')).toBe(-100n);
    expect(parseAmount('12')).toBe(120_000n);
    expect(parseAmount('0.12340000')).toBe(1234n);
    expect(parseAmount(0.1)).toBe(1000n);
    expect(parseAmount(1e21)).toBe(10n ** 25n);
  });

  it('adds what floats get wrong', () => {
    expect(formatUnits(add(parseAmount('0.1'), parseAmount('0.2')))).toBe('0.30');
    expect(sumDecimal(['0.1', '0.2', 0.3])).toBe('0.6000');
  });

  it.each(['', 'abc', '1,000.00', '1e5', '1.23456', '--1', '.5', 'NaN'])('rejects %j', (bad) => {
    expect(() => parseAmount(bad)).toThrow(MoneyError);
  });

  it('rejects non-finite numbers', () => {
    expect(() => parseAmount(Number.NaN)).toThrow(MoneyError);
    expect(() => parseAmount(Number.POSITIVE_INFINITY)).toThrow(MoneyError);
  });

  it('rounds half to even', () => {
    expect(divRound(5n, 2n)).toBe(2n);
    expect(divRound(7n, 2n)).toBe(4n);
    expect(divRound(-5n, 2n)).toBe(-2n);
    expect(divRound(-7n, 2n)).toBe(-4n);
    expect(divRound(10n, -4n)).toBe(-2n);
    expect(formatUnits(parseAmount('2.345'))).toBe('2.34');
    expect(formatUnits(parseAmount('2.355'))).toBe('2.36');
    expect(formatUnits(parseAmount('-2.345'))).toBe('-2.34');
  });

  it('applies rates without floats: 8.5% of 1,234.56', () => {
    expect(formatUnits(mulRatio(parseAmount('1234.56'), 85n, 1000n))).toBe('104.94');
  });

  it('formats by string canonically for any amount (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 18n), max: 10n ** 18n }), (units) => {
        expect(parseAmount(formatUnits(units, 4))).toBe(units);
      }),
    );
  });

  it('allocates so parts always sum to the whole (property)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }).map((b) => b * 100n),
        fc
          .array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 1, maxLength: 12 })
          .filter((w) => w.some((x) => x > 0n)),
        (amount, weights) => {
          const parts = allocate(amount, weights);
          expect(add(...parts)).toBe(amount);
          for (const p of parts) expect(p % 100n).toBe(0n);
        },
      ),
    );
  });

  it('knows minor units and formats with Intl', () => {
    expect(currencyDigits('JPY')).toBe(0);
    expect(currencyDigits('USD')).toBe(2);
    expect(currencyDigits('KWD')).toBe(3);
    expect(() => currencyDigits('NOPE')).toThrow(MoneyError);
    expect(formatMoney('1234.5', 'GBP', 'en-GB')).toBe('£1,234.50');
    expect(formatMoney('1234.5', 'JPY', 'en-GB')).toBe('JP¥1,234');
    expect(formatMoney('1234.5', 'EUR', 'de-DE')).toBe('1.234,50\u00a0€');
    // Beyond float precision: Intl receives the exact string.
    expect(formatMoney('90071992547409.93', 'USD', 'en-US')).toBe('$90,071,992,547,409.93');
  });
});
