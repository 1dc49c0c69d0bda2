import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accuracy, forecast, weekStart } from '../../src/domain/credit/forecast.ts';
import { suggestLimit } from '../../src/domain/credit/limits.ts';
import { provision } from '../../src/domain/credit/provision.ts';
import { toCsv } from '../../src/domain/csv.ts';
import { parseAmount } from '../../src/domain/money.ts';
import { cei } from '../../src/domain/reports/cei.ts';
import { aging, type ArInvoice, dsoCountback } from '../../src/domain/reports/receivables.ts';
import { parseCsv } from '../../src/domain/risk/csv.ts';
import { signStandardWebhook } from '../../webhooks/verify.ts';
import { vectors } from '../support/fixtures.ts';

const inv = (
  issueDate: string,
  dueDate: string,
  total: string,
  paidDate: string | null = null,
  amountDue = paidDate ? '0' : total,
): ArInvoice => ({ issueDate, dueDate, total, amountDue, paidDate });

describe('receivables against a hand-computed ledger', () => {
  // As of 30 June 2026: four open invoices in different age bands, one paid.
  const book = [
    inv('2026-06-10', '2026-07-10', '1000.00'), // not yet due
    inv('2026-05-01', '2026-06-15', '400.00'), // 15 days overdue
    inv('2026-04-01', '2026-05-01', '250.00'), // 60 days overdue
    inv('2026-01-15', '2026-02-14', '100.00'), // 136 days overdue
    inv('2026-06-01', '2026-06-30', '600.00', '2026-06-20'), // paid
  ];
  it('ages open balances into current, 1–30, 31–60, 61–90 and 90+', () => {
    expect(
      aging(
        book.filter((i) => !i.paidDate),
        '2026-06-30',
      ),
    ).toEqual({ current: '1000.0000', '1-30': '400.0000', '31-60': '250.0000', '61-90': '0.0000', '90+': '100.0000' });
  });
  it('counts DSO back through the months', () => {
    // Outstanding 1,750. June sales 1,600 (1,000 + 600) cover 30 days; 150 of May's 400 = 0.375 × 31 days.
    expect(dsoCountback(book, '2026-06-30')).toBe(41.6);
    expect(dsoCountback([], '2026-06-30')).toBe(0);
  });
  it('computes the collection effectiveness index', () => {
    // June: opening 750 (400 + 250 + 100), sales 1,600, closing 1,750 of which current 1,000.
    // (750 + 1600 − 1750) / (750 + 1600 − 1000) = 600 / 1350 = 44.44 %.
    expect(cei(book, '2026-05-31', '2026-06-30')).toBe(44.44);
  });
});

describe('credit limits and provision', () => {
  it('suggests a round limit from a year of invoicing, scaled by risk', () => {
    const history = Array.from({ length: 12 }, (_, k) => ({
      issueDate: `2026-${String(k + 1).padStart(2, '0')}-05`,
      total: '1000.00',
    }));
    // 12,000 over 12 months = 1,000/month; 30-day terms → 2,000 usual exposure.
    expect(suggestLimit(history, 30, 'medium', '2026-12-20')).toBe('2000');
    expect(suggestLimit(history, 30, 'low', '2026-12-20')).toBe('5000'); // 3,000 rounded up
    expect(suggestLimit(history, 30, 'high', '2026-12-20')).toBe('1000');
    expect(suggestLimit([], 30, 'low', '2026-12-20')).toBeNull();
  });
  it('provides the higher of the age rate and the risk of never paying; disputed in full', () => {
    const p = provision(
      [
        { amountDue: '1000.00', dueDate: '2026-07-10', pSevere: 0.002, disputed: false }, // current: 1 %
        { amountDue: '400.00', dueDate: '2026-04-01', pSevere: 0.4, disputed: false }, // 61–90: 25 % < 40 %
        { amountDue: '100.00', dueDate: '2026-06-20', pSevere: null, disputed: true }, // 100 %
      ],
      '2026-06-30',
    );
    expect(p.lines.map((l) => [l.rate, l.provision])).toEqual([
      [0.01, '10.0000'],
      [0.4, '160.0000'],
      [1, '100.0000'],
    ]);
    expect(p.amount).toBe('270.0000');
  });
});

describe('cash-flow forecast', () => {
  const open = [
    { amountDue: '1000.00', dueDate: '2026-07-10', predictedPayDate: '2026-07-14', pVeryLate: 0.2, pSevere: 0.05 },
    { amountDue: '500.00', dueDate: '2026-06-01', predictedPayDate: '2026-07-02', pVeryLate: 0.9, pSevere: 0.5 },
  ];
  it('places each invoice in the week of its predicted payment, weighted by its chance of being paid', () => {
    const weeks = forecast(open, '2026-06-30');
    expect(weeks).toHaveLength(13);
    expect(weeks[0]!.weekStart).toBe('2026-06-29'); // the Monday of the forecast date's week
    expect(weeks[0]).toEqual({ weekStart: '2026-06-29', low: '50.0000', expected: '250.0000', high: '500.0000' });
    expect(weeks[1]).toEqual({ weekStart: '2026-07-06', low: '0.0000', expected: '0.0000', high: '0.0000' });
    expect(weeks[2]).toEqual({ weekStart: '2026-07-13', low: '800.0000', expected: '950.0000', high: '1000.0000' });
  });
  it('expects nothing from a debt unlikely to be paid without action; high counts it now', () => {
    const stale = { amountDue: '7000.00', dueDate: '2025-06-01', predictedPayDate: null, unlikely: true };
    const weeks = forecast([...open, { ...stale, pVeryLate: 1, pSevere: 0.5 }], '2026-06-30');
    expect(weeks[0]).toEqual({ weekStart: '2026-06-29', low: '50.0000', expected: '250.0000', high: '7500.0000' });
    // Not scored yet (no date, not unlikely): its due date stands in.
    const unscored = forecast(
      [{ ...stale, unlikely: false, dueDate: '2026-07-20', pVeryLate: 0, pSevere: 0 }],
      '2026-06-30',
    );
    expect(unscored[3]).toEqual({
      weekStart: '2026-07-20',
      low: '7000.0000',
      expected: '7000.0000',
      high: '7000.0000',
    });
  });
  it('keeps low ≤ expected ≤ high in every week for any book (property)', () => {
    const inv = fc.record({
      amountDue: fc.integer({ min: 1, max: 1_000_000 }).map((c) => (c / 100).toFixed(2)),
      dueDate: fc.integer({ min: 0, max: 40 }).map((d) => new Date(Date.UTC(2026, 6, d)).toISOString().slice(0, 10)),
      predictedPayDate: fc.option(
        fc.integer({ min: 0, max: 120 }).map((d) => new Date(Date.UTC(2026, 5, d)).toISOString().slice(0, 10)),
      ),
      unlikely: fc.boolean(),
      // Any probabilities, even out of order: the forecast must not trust them to be.
      pVeryLate: fc.double({ min: 0, max: 1, noNaN: true }),
      pSevere: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(inv, { maxLength: 30 }), (book) => {
        for (const w of forecast(book, '2026-06-30')) {
          expect(parseAmount(w.low) <= parseAmount(w.expected)).toBe(true);
          expect(parseAmount(w.expected) <= parseAmount(w.high)).toBe(true);
        }
      }),
    );
  });
  it('measures accuracy against receipts once the weeks are over', () => {
    const weeks = forecast(open, '2026-06-30');
    const actual = new Map([
      ['2026-06-29', '300.0000'],
      ['2026-07-13', '1000.0000'],
    ]);
    const a = accuracy(weeks, actual, '2026-07-20');
    expect(a.weeks.map((w) => w.weekStart)).toEqual(['2026-06-29', '2026-07-06', '2026-07-13']);
    // |300 − 250| + |0 − 0| + |1000 − 950| = 100 over 1,300 received.
    expect(a.wape).toBe(0.0769);
    expect(weekStart('2026-07-05')).toBe('2026-06-29');
  });
});

describe('exports', () => {
  it('CSV parses back to the same cells, whatever they hold (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(
            fc.string({ maxLength: 12 }).filter((s) => !/^[=+\-@\t\r]/.test(s)),
            { minLength: 2, maxLength: 4 },
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (rows) => {
          const width = rows[0]!.length;
          const table = rows.map((r) => Array.from({ length: width }, (_, k) => r[k] ?? 'x'));
          const parsed = parseCsv(toCsv(table));
          expect(parsed.filter((r) => !(r.length === 1 && r[0] === ''))).toEqual(
            table.filter((r) => !(r.length === 1 && r[0] === '')),
          );
        },
      ),
    );
  });
});

describe('outbound signatures', () => {
  it('signs outbound events exactly as the Standard Webhooks vector says', async () => {
    const v = vectors().standard_webhooks;
    const headers = await signStandardWebhook(
      v.secret,
      v['webhook-id'],
      new TextEncoder().encode(v.payload),
      new Date(Number(v['webhook-timestamp']) * 1000),
    );
    expect(headers).toEqual({
      'webhook-id': v['webhook-id'],
      'webhook-timestamp': v['webhook-timestamp'],
      'webhook-signature': v['webhook-signature'],
    });
  });
});
