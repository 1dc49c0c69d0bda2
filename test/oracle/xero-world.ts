import type { FakeTenant } from '../support/xero/fake.ts';
import { msDate, templates } from '../support/xero/fixtures.ts';
import type { Book, Change, Inv } from './book.ts';

type Raw = Record<string, unknown>;
const money = (cents: number) => cents / 100; // Xero's JSON numbers, as its API sends them

/**
 * The book as Xero holds it: contacts (customers and the supplier), ACCREC invoices and ACCPAY
 * bills in one Invoices list, payments, ACCRECCREDIT credit notes with allocations, overpayments.
 * Rendered whole after each step, from Xero's own examples.
 */
export function renderXero(book: Book, t: FakeTenant) {
  const tpl = templates();
  const contactRef = (id: string) => ({ ContactID: id, Name: book.customer(id)?.name ?? id });
  t.Contacts = book.customers.map((c) => ({
    ...tpl.contact,
    ContactID: c.id,
    Name: c.name,
    FirstName: undefined,
    LastName: undefined,
    EmailAddress: c.email ?? '',
    ContactPersons: [],
    ContactStatus: c.active ? 'ACTIVE' : 'ARCHIVED',
    ...(c.mergedInto ? { MergedToContactID: c.mergedInto } : {}),
    IsCustomer: !c.supplier,
    IsSupplier: c.supplier,
    UpdatedDateUTC: msDate(new Date(c.updated)),
  }));
  t.Invoices = book.invoices
    .filter((i) => i.state !== 'deleted' || i.kind === 'sale')
    .map((i) => invoice(book, i, tpl.invoiceAuthorised, contactRef));
  t.Payments = book.payments.map((p) => ({
    ...tpl.payment,
    PaymentID: p.id,
    Date: msDate(`${p.date}T00:00:00Z`),
    Amount: money(p.amount),
    Status: p.active ? 'AUTHORISED' : 'DELETED',
    PaymentType: 'ACCRECPAYMENT',
    Invoice: { InvoiceID: p.invId, CurrencyCode: 'NZD', Contact: contactRef(p.custId) },
    UpdatedDateUTC: msDate(new Date(p.updated)),
  }));
  const shape = {
    credit_note: { tpl: tpl.creditNote, id: 'CreditNoteID', type: 'ACCRECCREDIT' },
    supplier_credit: { tpl: tpl.creditNote, id: 'CreditNoteID', type: 'ACCPAYCREDIT' },
    overpayment: { tpl: tpl.overpayment, id: 'OverpaymentID', type: 'RECEIVE-OVERPAYMENT' },
    prepayment: { tpl: tpl.prepayment, id: 'PrepaymentID', type: 'RECEIVE-PREPAYMENT' },
  } as const;
  const credit = (...kinds: (keyof typeof shape)[]) =>
    book.credits
      .filter((c) => kinds.includes(c.kind))
      .map((c) => ({
        ...shape[c.kind].tpl,
        [shape[c.kind].id]: c.id,
        Type: shape[c.kind].type,
        Contact: contactRef(c.custId),
        Status: book.remaining(c) > 0 ? 'AUTHORISED' : 'PAID',
        Date: msDate(`${c.date}T00:00:00Z`),
        DateString: `${c.date}T00:00:00`,
        CurrencyCode: 'NZD',
        Total: money(c.total),
        RemainingCredit: money(book.remaining(c)),
        Allocations: c.alloc.map((a) => ({ Invoice: { InvoiceID: a.invId }, Amount: money(a.amount) })),
        UpdatedDateUTC: msDate(new Date(c.updated)),
      }));
  // Customers' and the supplier's credit notes share one list, told apart by Type.
  t.CreditNotes = credit('credit_note', 'supplier_credit');
  t.Overpayments = credit('overpayment');
  t.Prepayments = credit('prepayment');
}

function invoice(book: Book, i: Inv, tpl: Raw, contactRef: (id: string) => Raw): Raw {
  const paid = book.paid(i);
  const credited = book.credited(i);
  const due = i.state === 'open' ? i.total - paid - credited : i.state === 'draft' ? i.total : 0;
  const status =
    i.state === 'draft'
      ? 'DRAFT'
      : i.state === 'voided'
        ? 'VOIDED'
        : i.state === 'deleted'
          ? 'DELETED'
          : due <= 0
            ? 'PAID'
            : 'AUTHORISED';
  return {
    ...tpl,
    Type: i.kind === 'sale' ? 'ACCREC' : 'ACCPAY',
    InvoiceID: i.id,
    InvoiceNumber: i.number,
    Reference: '',
    Contact: contactRef(i.custId),
    Status: status,
    Date: msDate(`${i.issueDate}T00:00:00Z`),
    DateString: `${i.issueDate}T00:00:00`,
    DueDate: msDate(`${i.dueDate}T00:00:00Z`),
    DueDateString: `${i.dueDate}T00:00:00`,
    CurrencyCode: 'NZD',
    Total: money(i.total),
    AmountDue: money(Math.max(0, due)),
    AmountPaid: money(paid),
    AmountCredited: money(credited),
    FullyPaidOnDate: status === 'PAID' ? msDate(new Date(i.updated)) : undefined,
    UpdatedDateUTC: msDate(new Date(i.updated)),
  };
}

/**
 * The webhook events Xero sends for a change: INVOICE for sales invoices and bills alike,
 * CONTACT for contacts (a merge names the survivor only; the invoices it moved get none), and
 * nothing for payments or overpayments (the invoice a payment touches gets its own INVOICE event).
 */
export function xeroEvents(c: Change): { category: 'INVOICE' | 'CONTACT' | 'CREDITNOTE'; id: string; type: string }[] {
  switch (c.entity) {
    case 'invoice':
      return [{ category: 'INVOICE', id: c.id, type: c.op === 'create' ? 'CREATE' : 'UPDATE' }];
    case 'customer':
      return [
        { category: 'CONTACT', id: c.id, type: c.op === 'create' ? 'CREATE' : 'UPDATE' },
        ...(c.op === 'merge' ? [{ category: 'CONTACT' as const, id: c.extra!, type: 'UPDATE' }] : []),
      ];
    case 'credit':
      return c.extra === 'unannounced' ? [] : [{ category: 'CREDITNOTE', id: c.id, type: 'CREATE' }];
    default:
      return [];
  }
}
