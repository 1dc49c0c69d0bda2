import { and, eq, gt, notInArray } from 'drizzle-orm';
import { moduleOf } from '../../../connectors/registry.ts';
import type { Db } from '../../db/client.ts';
import { creditNote, payment } from '../../db/schema/index.ts';
import { add, formatMoney, parseAmount, type Units } from '../../domain/money.ts';

/**
 * A debtor's credit the ledger has not applied yet, per currency: the remaining credit of credit
 * notes, overpayments and prepayments (Xero), open credit memos, and payments not (fully)
 * applied to an invoice (QuickBooks' unapplied payments). A reminder never chases money this
 * credit already covers.
 */
export async function availableCredit(
  db: Db,
  l: { id: string; provider: string },
  contactExternalId: string,
): Promise<Map<string, Units>> {
  const ledgerId = l.id;
  const credit = new Map<string, Units>();
  const put = (currency: string, units: Units) => {
    if (units > 0n) credit.set(currency, add(credit.get(currency) ?? 0n, units));
  };
  const notes = await db
    .select({ currency: creditNote.currency, remaining: creditNote.remaining, status: creditNote.status })
    .from(creditNote)
    .where(
      and(
        eq(creditNote.ledgerId, ledgerId),
        eq(creditNote.contactExternalId, contactExternalId),
        gt(creditNote.remaining, '0'),
      ),
    );
  // Drafts are not credit yet; voided and deleted ones are credit no more (kinds prefix Xero's).
  for (const n of notes)
    if (!/(^|:)(draft|submitted|voided|deleted)$/.test(n.status)) put(n.currency, parseAmount(n.remaining));
  // Only some providers leave a payment unapplied (QuickBooks); Xero books that money as an
  // overpayment or prepayment (above), and its payments without an invoice are refunds of credit.
  if (!moduleOf(l.provider)?.unappliedPaymentsAreCredit) return credit;
  const payments = await db
    .select({ currency: payment.currency, amount: payment.amount, allocations: payment.allocations })
    .from(payment)
    .where(
      and(
        eq(payment.ledgerId, ledgerId),
        eq(payment.contactExternalId, contactExternalId),
        notInArray(payment.status, ['deleted', 'voided']),
      ),
    );
  for (const p of payments) {
    const applied = add(...p.allocations.map((a) => parseAmount(a.amount)));
    put(p.currency, parseAmount(p.amount) - applied);
  }
  return credit;
}

/**
 * Why a reminder must wait for a person rather than go out: the debtor's credit in a currency
 * covers what the reminder chases in it (the overdue amount, or everything when nothing is
 * overdue yet). Null when the credit covers nothing in full.
 */
export function creditCovers(
  chased: { currency: string; amountDue: string; overdue: boolean }[],
  credit: ReadonlyMap<string, Units>,
  locale = 'en-GB',
): string | null {
  for (const currency of new Set(chased.map((c) => c.currency))) {
    const mine = chased.filter((c) => c.currency === currency);
    const overdue = mine.filter((c) => c.overdue);
    const owed = add(...(overdue.length ? overdue : mine).map((c) => parseAmount(c.amountDue)));
    const have = credit.get(currency) ?? 0n;
    if (owed > 0n && have >= owed) {
      const what = overdue.length ? 'overdue' : 'chased';
      return `customer has ${formatMoney(have, currency, locale)} unallocated credit, covering the ${formatMoney(owed, currency, locale)} ${what}`;
    }
  }
  return null;
}
