import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

/**
 * Xero's official examples (XeroAPI/Xero-OpenAPI, shared/fixtures/xero) are loaded from the shared
 * folder at test time and used as templates; nothing is copied into the repository.
 */
export const SHARED = process.env.OVERDUE_SHARED_DIR
  ? `${process.env.OVERDUE_SHARED_DIR.replace(/\/$/, '')}/`
  : fileURLToPath(new URL('../../../../shared/', import.meta.url));

/**
 * The provider examples live beside the repository (shared/), as in CI. A clone without them
 * (a newcomer's) skips the suites built on them; under CI they must be there, so nothing skips.
 */
export const HAS_SHARED = existsSync(`${SHARED}fixtures/xero/invoices-list.json`);
export const describeWithFixtures: typeof describe = (HAS_SHARED || process.env.CI ? describe : describe.skip) as typeof describe;

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
