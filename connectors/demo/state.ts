import { formatUnits } from '../../src/domain/money.ts';
import type { Contact, CreditNote, Invoice, Payment } from '../types.ts';
import type { DemoBook, DemoCustomer, DemoInvoice } from './generate.ts';

/** The ledger as it stands at `now`: the timeline of generate.ts cut at that instant. */

const amount = (u: bigint) => formatUnits(u, 4);
const PAY_BASE = 'https://pay.example.com/demo';

export function contactAt(c: DemoCustomer): Contact {
  return {
    externalId: c.externalId,
    name: c.name,
    legalName: c.name,
    email: c.email,
    people: [{ name: 'Accounts payable', email: c.email, includeInEmails: true }],
    phone: c.phone,
    timezone: c.region.timezone,
    country: c.region.country,
    addresses: [{ kind: 'billing', lines: ['1 High Street'], city: 'Anytown', country: c.region.country }],
    status: 'active',
    updatedAt: c.createdAt,
  };
}

export function invoiceAt(inv: DemoInvoice, now: Date): Invoice | null {
  if (inv.issuedAt > now) return null;
  const paid = inv.payments.filter((p) => p.at <= now);
  const credited = inv.credit && inv.credit.at <= now ? inv.credit.amount : 0n;
  const paidAmount = paid.reduce((a, p) => a + p.amount, 0n);
  const due = inv.total - paidAmount - credited;
  const voided = inv.voidedAt && inv.voidedAt <= now;
  const events = [
    inv.issuedAt,
    ...paid.map((p) => p.at),
    ...(credited ? [inv.credit!.at] : []),
    ...(voided ? [inv.voidedAt!] : []),
  ];
  const updatedAt = new Date(Math.max(...events.map((d) => d.getTime())));
  const settledAt =
    due <= 0n
      ? new Date(Math.max(...paid.map((p) => p.at.getTime()), credited ? inv.credit!.at.getTime() : 0))
      : undefined;
  return {
    externalId: inv.externalId,
    contactExternalId: inv.customer.externalId,
    number: inv.number,
    status: voided ? 'voided' : due <= 0n ? 'paid' : 'open',
    currency: inv.currency,
    issueDate: inv.issueDate,
    dueDate: inv.dueDate,
    total: amount(inv.total),
    amountDue: amount(voided ? 0n : due),
    amountPaid: amount(paidAmount),
    amountCredited: amount(credited),
    onlineUrl: `${PAY_BASE}/${inv.externalId}`,
    sentToContact: true,
    paidAt: voided ? undefined : settledAt,
    updatedAt,
  };
}

export function paymentsAt(book: DemoBook, now: Date): Payment[] {
  return book.invoices.flatMap((inv) =>
    inv.payments
      .filter((p) => p.at <= now && inv.issuedAt <= now)
      .map((p) => ({
        externalId: p.externalId,
        contactExternalId: inv.customer.externalId,
        date: p.date,
        amount: amount(p.amount),
        currency: inv.currency,
        status: 'active' as const,
        allocations: [{ invoiceExternalId: inv.externalId, amount: amount(p.amount) }],
        updatedAt: p.at,
      })),
  );
}

export function creditNotesAt(book: DemoBook, now: Date): CreditNote[] {
  return book.invoices
    .filter((inv) => inv.credit && inv.credit.at <= now)
    .map((inv) => ({
      externalId: inv.credit!.externalId,
      contactExternalId: inv.customer.externalId,
      number: inv.credit!.number,
      status: 'paid',
      date: inv.credit!.date,
      currency: inv.currency,
      total: amount(inv.credit!.amount),
      remaining: '0.0000',
      allocations: [{ invoiceExternalId: inv.externalId, amount: amount(inv.credit!.amount) }],
      updatedAt: inv.credit!.at,
    }));
}
