import { DateError, type IsoDate, parseDate } from '../dates.ts';
import { add, compare, currencyDigits, formatMoney, formatUnits, parseAmount, roundToPlaces } from '../money.ts';

export type Instalment = { dueDate: IsoDate; amount: string };
export type PlanIssue = { path: string; message: string };

/**
 * What is wrong with a payment plan for an invoice's balance, one line each, naming the
 * instalment: empty when it can be chased. The planner reads progress as "plan total minus what
 * is still due" (planner.ts anchorOf), so a plan must add up to the balance exactly when it is set,
 * or reminders would name the wrong instalment and amount; and every instalment must be an amount
 * the debtor can pay in the invoice's currency.
 */
export function paymentPlanProblems(
  plan: readonly Instalment[],
  invoice: { amountDue: string; currency: string },
): PlanIssue[] {
  const problems: PlanIssue[] = [];
  const digits = currencyDigits(invoice.currency);
  const seen = new Map<IsoDate, number>();
  plan.forEach((inst, i) => {
    const at = `paymentPlan.${i}`;
    const units = parseAmount(inst.amount);
    if (units <= 0n)
      problems.push({ path: `${at}.amount`, message: `instalment ${i + 1}: the amount must be more than zero` });
    else if (roundToPlaces(units, digits) !== units)
      problems.push({
        path: `${at}.amount`,
        message: `instalment ${i + 1}: ${inst.amount} cannot be paid in ${invoice.currency}, which has ${digits} decimal places`,
      });
    if (!realDate(inst.dueDate))
      problems.push({ path: `${at}.dueDate`, message: `instalment ${i + 1}: there is no date ${inst.dueDate}` });
    const earlier = seen.get(inst.dueDate);
    if (earlier !== undefined)
      problems.push({
        path: `${at}.dueDate`,
        message: `instalment ${i + 1}: ${inst.dueDate} is already the date of instalment ${earlier + 1}`,
      });
    else seen.set(inst.dueDate, i);
  });
  const total = add(...plan.map((i) => parseAmount(i.amount)));
  const balance = parseAmount(invoice.amountDue);
  if (balance <= 0n) problems.push({ path: 'paymentPlan', message: 'the invoice has nothing left to pay' });
  else if (compare(total, balance) !== 0)
    problems.push({
      path: 'paymentPlan',
      message: `the instalments add up to ${exactly(total, invoice.currency, digits)}, but the invoice's balance is ${exactly(balance, invoice.currency, digits)}`,
    });
  return problems;
}

/** Money as people read it, unless that would round it (a sum of unpayable fractions). */
function exactly(units: bigint, currency: string, digits: number): string {
  if (roundToPlaces(units, digits) === units) return formatMoney(units, currency);
  return `${formatUnits(units, 4).replace(/0+$/, '')} ${currency}`;
}

function realDate(date: IsoDate): boolean {
  try {
    parseDate(date);
    return true;
  } catch (err) {
    if (err instanceof DateError) return false;
    throw err;
  }
}
