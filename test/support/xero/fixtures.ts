import { fixtureJson } from '../fixtures.ts';

/** Xero's official response examples (test/fixtures/xero), used as templates for fake records. */
export function xeroFixture<T = Record<string, unknown>>(name: string): T {
  return fixtureJson<T>(`xero/${name}`);
}

type Raw = Record<string, unknown>;
export const templates = () => {
  const invoices = xeroFixture<{ Invoices: Raw[] }>('invoices-list.json').Invoices;
  return {
    invoiceAuthorised: invoices.find((i) => i.Status === 'AUTHORISED')!,
    invoicePaid: invoices.find((i) => i.Status === 'PAID')!,
    invoiceVoided: invoices.find((i) => i.Status === 'VOIDED')!,
    contact: xeroFixture<{ Contacts: Raw[] }>('contacts-list.json').Contacts[0]!,
    payment: xeroFixture<{ Payments: Raw[] }>('payments-list.json').Payments[0]!,
    creditNote: xeroFixture<{ CreditNotes: Raw[] }>('creditnotes-list.json').CreditNotes[0]!,
    overpayment: xeroFixture<{ Overpayments: Raw[] }>('overpayments-list.json').Overpayments[0]!,
    prepayment: xeroFixture<{ Prepayments: Raw[] }>('prepayments-list.json').Prepayments[0]!,
    onlineInvoice: xeroFixture('online-invoice.json'),
  };
};

export const msDate = (d: Date | string) => `/Date(${new Date(d).getTime()}+0000)/`;
