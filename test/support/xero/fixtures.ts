import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Xero's official examples (XeroAPI/Xero-OpenAPI, shared/fixtures/xero) are loaded from the shared
 * folder at test time and used as templates; nothing is copied into the repository.
 */
export const SHARED = fileURLToPath(new URL('../../../../shared/', import.meta.url));

export function xeroFixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(readFileSync(`${SHARED}fixtures/xero/${name}`, 'utf8')) as T;
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
