import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { paymentPlanProblems } from '../../src/domain/cadence/payment-plan.ts';
import { addDays } from '../../src/domain/dates.ts';
import { formatUnits } from '../../src/domain/money.ts';

const jpy = { amountDue: '104188.0000', currency: 'JPY' };
const gbp = { amountDue: '1200.5000', currency: 'GBP' };
const messages = (plan: { dueDate: string; amount: string }[], inv = gbp) =>
  paymentPlanProblems(plan, inv).map((p) => p.message);

describe('a payment plan must be one the debtor can keep and the planner can follow', () => {
  it('accepts instalments that add up to the balance exactly', () => {
    expect(
      paymentPlanProblems(
        [
          { dueDate: '2026-12-31', amount: '600.25' },
          { dueDate: '2027-01-31', amount: '600.25' },
        ],
        gbp,
      ),
    ).toEqual([]);
    expect(paymentPlanProblems([{ dueDate: '2027-01-15', amount: '104188' }], jpy)).toEqual([]);
  });

  it('refuses a plan that does not add up, saying both sums in the invoice’s currency', () => {
    expect(
      messages(
        [
          { dueDate: '2026-12-31', amount: '1' },
          { dueDate: '2027-01-31', amount: '1' },
        ],
        jpy,
      ),
    ).toEqual(["the instalments add up to JP¥2, but the invoice's balance is JP¥104,188"]);
    expect(messages([{ dueDate: '2026-12-31', amount: '1300.50' }])).toEqual([
      "the instalments add up to £1,300.50, but the invoice's balance is £1,200.50",
    ]);
  });

  it('names each bad instalment: zero, finer than the currency, a date twice, no such date', () => {
    const issues = paymentPlanProblems(
      [
        { dueDate: '2026-12-31', amount: '0' },
        { dueDate: '2027-01-31', amount: '104187.5' },
        { dueDate: '2026-12-31', amount: '0.5' },
        { dueDate: '2027-02-30', amount: '0' },
      ],
      jpy,
    );
    expect(issues).toEqual([
      { path: 'paymentPlan.0.amount', message: 'instalment 1: the amount must be more than zero' },
      {
        path: 'paymentPlan.1.amount',
        message: 'instalment 2: 104187.5 cannot be paid in JPY, which has 0 decimal places',
      },
      {
        path: 'paymentPlan.2.amount',
        message: 'instalment 3: 0.5 cannot be paid in JPY, which has 0 decimal places',
      },
      { path: 'paymentPlan.2.dueDate', message: 'instalment 3: 2026-12-31 is already the date of instalment 1' },
      { path: 'paymentPlan.3.amount', message: 'instalment 4: the amount must be more than zero' },
      { path: 'paymentPlan.3.dueDate', message: 'instalment 4: there is no date 2027-02-30' },
    ]);
  });

  it('refuses a plan for an invoice with nothing left to pay', () => {
    expect(messages([{ dueDate: '2026-12-31', amount: '10' }], { amountDue: '0', currency: 'GBP' })).toEqual([
      'the invoice has nothing left to pay',
    ]);
  });

  // Any split of the balance into payable parts on distinct dates is accepted; moving one minor
  // unit from the total, either way, is refused.
  it('property: exact splits pass, one minor unit off fails', () => {
    const currencies = [
      ['JPY', 0],
      ['GBP', 2],
      ['KWD', 3],
    ] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...currencies),
        fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 24 }),
        fc.boolean(),
        ([currency, digits], parts, up) => {
          const minor = 10n ** BigInt(4 - digits);
          const units = parts.map((p) => BigInt(p) * minor);
          const plan = units.map((u, i) => ({
            dueDate: addDays('2026-12-31', 30 * i),
            amount: formatUnits(u, digits),
          }));
          const total = units.reduce((a, b) => a + b, 0n);
          expect(paymentPlanProblems(plan, { amountDue: formatUnits(total, 4), currency })).toEqual([]);
          const off = formatUnits(total + (up ? minor : -minor), 4);
          expect(paymentPlanProblems(plan, { amountDue: off, currency })).toHaveLength(1);
        },
      ),
    );
  });
});
