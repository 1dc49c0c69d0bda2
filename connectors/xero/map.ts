import { zonedTimeToInstant } from '../../src/domain/dates.ts';
import { formatUnits, parseAmount } from '../../src/domain/money.ts';
import type { Allocation, Contact, CreditNote, Invoice, InvoiceStatus, Ledger, Payment } from '../types.ts';
import { ConnectorError } from '../types.ts';
import { xeroZone } from './timezones.ts';

/**
 * Raw Xero JSON (PascalCase, "/Date(…)/" dates) to canonical records. We map the raw response
 * rather than xero-node's deserialised models so date-only fields keep their calendar date.
 */
type Raw = Record<string, unknown>;

const MS_DATE = /^\/Date\((-?\d+)([+-]\d{4})?\)\/$/;

export class XeroMappingError extends ConnectorError {
  constructor(message: string) {
    super('malformed_response', message, { provider: 'xero' });
  }
}

/** An instant from "/Date(1541176290160+0000)/" or an ISO string. */
export function xeroInstant(v: unknown, field: string): Date {
  if (typeof v === 'string') {
    const m = MS_DATE.exec(v);
    if (m) return new Date(Number(m[1]));
    const t = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(v) ? v : `${v}Z`);
    if (Number.isFinite(t)) return new Date(t);
  }
  throw new XeroMappingError(`bad ${field}: ${JSON.stringify(v)}`);
}

/**
 * A calendar date. Xero sends date-only values as midnight UTC of that date (in "/Date/" form) and
 * as "2018-12-30T00:00:00" in the *String twin; both mean the date in the organisation's zone.
 */
export function xeroDate(v: unknown, twin: unknown, field: string): string {
  if (typeof twin === 'string' && /^\d{4}-\d{2}-\d{2}/.test(twin)) return twin.slice(0, 10);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) return v.slice(0, 10);
  return xeroInstant(v, field).toISOString().slice(0, 10);
}

const amount = (v: unknown, field: string): string => {
  if (v === undefined || v === null) return '0.0000';
  try {
    return formatUnits(parseAmount(v as string | number), 4);
  } catch {
    throw new XeroMappingError(`bad ${field}: ${JSON.stringify(v)}`);
  }
};

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

const INVOICE_STATUS: Record<string, InvoiceStatus> = {
  DRAFT: 'draft',
  SUBMITTED: 'submitted',
  AUTHORISED: 'open',
  PAID: 'paid',
  VOIDED: 'voided',
  DELETED: 'deleted',
};

/**
 * The business's own payables, which Xero sends through the same endpoints and webhooks as its
 * receivables (bills are INVOICE events, supplier credits CREDITNOTE events). Never mirrored:
 * chasing a supplier for the business's own bill is the worst message this product could send.
 */
const PAYABLE_TYPES = new Set([
  'ACCPAY',
  'ACCPAYCREDIT',
  'SPEND-OVERPAYMENT',
  'SPEND-PREPAYMENT',
  'ACCPAYPAYMENT',
  'APCREDITPAYMENT',
  'APOVERPAYMENTPAYMENT',
  'APPREPAYMENTPAYMENT',
]);
export const isPayable = (r: Raw) => PAYABLE_TYPES.has(String(r.Type ?? r.PaymentType ?? ''));

export function mapInvoice(raw: Raw, ledgerTz: string): Invoice {
  const status = INVOICE_STATUS[String(raw.Status)];
  if (!status) throw new XeroMappingError(`unknown invoice status ${JSON.stringify(raw.Status)}`);
  const contact = (raw.Contact ?? {}) as Raw;
  const id = str(raw.InvoiceID);
  const contactId = str(contact.ContactID);
  if (!id || !contactId) throw new XeroMappingError('invoice without InvoiceID or ContactID');
  const paidDate = raw.FullyPaidOnDate ? xeroDate(raw.FullyPaidOnDate, undefined, 'FullyPaidOnDate') : undefined;
  const dead = status === 'voided' || status === 'deleted';
  return {
    externalId: id,
    contactExternalId: contactId,
    number: str(raw.InvoiceNumber),
    reference: str(raw.Reference),
    status,
    currency: String(raw.CurrencyCode ?? ''),
    issueDate: xeroDate(raw.Date, raw.DateString, 'Date'),
    dueDate: raw.DueDate || raw.DueDateString ? xeroDate(raw.DueDate, raw.DueDateString, 'DueDate') : undefined,
    total: amount(raw.Total, 'Total'),
    // A voided or deleted invoice is owed nothing, whatever the provider leaves in AmountDue.
    amountDue: dead ? '0.0000' : amount(raw.AmountDue, 'AmountDue'),
    amountPaid: amount(raw.AmountPaid, 'AmountPaid'),
    amountCredited: amount(raw.AmountCredited, 'AmountCredited'),
    sentToContact: raw.SentToContact === true,
    paidAt: status === 'paid' && paidDate ? zonedTimeToInstant(paidDate, '12:00', ledgerTz) : undefined,
    updatedAt: xeroInstant(raw.UpdatedDateUTC, 'UpdatedDateUTC'),
    raw,
  };
}

export function mapContact(raw: Raw): Contact {
  const id = str(raw.ContactID);
  if (!id) throw new XeroMappingError('contact without ContactID');
  const persons = (Array.isArray(raw.ContactPersons) ? raw.ContactPersons : []) as Raw[];
  const email = str(raw.EmailAddress);
  const phones = (Array.isArray(raw.Phones) ? raw.Phones : []) as Raw[];
  const phone = phones
    .map((p) => [str(p.PhoneCountryCode), str(p.PhoneAreaCode), str(p.PhoneNumber)].filter(Boolean).join(' '))
    .find((p, i) => p && (phones[i]!.PhoneType === 'DEFAULT' || phones[i]!.PhoneType === 'MOBILE'));
  const addresses = ((Array.isArray(raw.Addresses) ? raw.Addresses : []) as Raw[])
    .map((a) => ({
      kind: str(a.AddressType)?.toLowerCase(),
      lines: [a.AddressLine1, a.AddressLine2, a.AddressLine3, a.AddressLine4].map(str).filter((x): x is string => !!x),
      city: str(a.City),
      region: str(a.Region),
      postalCode: str(a.PostalCode),
      country: str(a.Country),
    }))
    .filter((a) => a.lines.length || a.city || a.postalCode);
  const statusMap: Record<string, Contact['status']> = {
    ACTIVE: 'active',
    ARCHIVED: 'archived',
    GDPRREQUEST: 'deleted',
  };
  const name = str(raw.Name) ?? [str(raw.FirstName), str(raw.LastName)].filter(Boolean).join(' ');
  return {
    externalId: id,
    name: name || id,
    legalName: str(raw.Name),
    email,
    people: [
      ...(email
        ? [
            {
              name: [str(raw.FirstName), str(raw.LastName)].filter(Boolean).join(' ') || undefined,
              email,
              includeInEmails: true,
            },
          ]
        : []),
      ...persons
        .filter((p) => str(p.EmailAddress))
        .map((p) => ({
          name: [str(p.FirstName), str(p.LastName)].filter(Boolean).join(' ') || undefined,
          email: str(p.EmailAddress)!,
          includeInEmails: p.IncludeInEmails === true,
        })),
    ],
    phone: phone || undefined,
    addresses,
    taxNumber: str(raw.TaxNumber),
    companyNumber: str(raw.CompanyNumber),
    status: statusMap[String(raw.ContactStatus)] ?? 'active',
    mergedIntoExternalId: str(raw.MergedToContactID),
    updatedAt: xeroInstant(raw.UpdatedDateUTC, 'UpdatedDateUTC'),
    raw,
  };
}

export function mapPayment(raw: Raw): Payment {
  const id = str(raw.PaymentID);
  if (!id) throw new XeroMappingError('payment without PaymentID');
  const inv = (raw.Invoice ?? {}) as Raw;
  const invContact = (inv.Contact ?? {}) as Raw;
  const amt = amount(raw.Amount, 'Amount');
  const status = raw.Status === 'DELETED' ? 'deleted' : raw.Status === 'VOIDED' ? 'voided' : 'active';
  return {
    externalId: id,
    contactExternalId: str(invContact.ContactID),
    date: xeroDate(raw.Date, undefined, 'Date'),
    amount: amt,
    currency: String(inv.CurrencyCode ?? raw.CurrencyCode ?? ''),
    status,
    allocations: str(inv.InvoiceID) ? [{ invoiceExternalId: str(inv.InvoiceID)!, amount: amt }] : [],
    updatedAt: xeroInstant(raw.UpdatedDateUTC, 'UpdatedDateUTC'),
    raw,
  };
}

export type CreditKind = 'credit_note' | 'overpayment' | 'prepayment';
const ID_FIELD: Record<CreditKind, string> = {
  credit_note: 'CreditNoteID',
  overpayment: 'OverpaymentID',
  prepayment: 'PrepaymentID',
};

/** Credit notes, overpayments and prepayments: money a customer can have applied to invoices. */
export function mapCredit(raw: Raw, kind: CreditKind): CreditNote {
  const id = str(raw[ID_FIELD[kind]]);
  if (!id) throw new XeroMappingError(`${kind} without ${ID_FIELD[kind]}`);
  const contact = (raw.Contact ?? {}) as Raw;
  const allocations: Allocation[] = ((Array.isArray(raw.Allocations) ? raw.Allocations : []) as Raw[])
    .map((a) => ({
      invoiceExternalId: str(((a.Invoice ?? {}) as Raw).InvoiceID) ?? '',
      amount: amount(a.Amount, 'Allocation.Amount'),
    }))
    .filter((a) => a.invoiceExternalId);
  return {
    // Prefixed so the three kinds never collide in one table.
    externalId: kind === 'credit_note' ? id : `${kind}:${id}`,
    contactExternalId: str(contact.ContactID),
    number: str(raw.CreditNoteNumber) ?? str(raw.Reference),
    status: `${kind === 'credit_note' ? '' : `${kind}:`}${String(raw.Status ?? '').toLowerCase()}`,
    date: xeroDate(raw.Date, raw.DateString, 'Date'),
    currency: String(raw.CurrencyCode ?? ''),
    total: amount(raw.Total, 'Total'),
    remaining: amount(raw.RemainingCredit, 'RemainingCredit'),
    allocations,
    updatedAt: xeroInstant(raw.UpdatedDateUTC, 'UpdatedDateUTC'),
    raw,
  };
}

export function mapOrganisation(raw: Raw, tenantId: string, fallbackName: string): Ledger {
  const z = xeroZone(str(raw.Timezone), str(raw.CountryCode));
  return {
    externalId: tenantId,
    name: str(raw.Name) ?? fallbackName,
    legalName: str(raw.LegalName),
    baseCurrency: String(raw.BaseCurrency ?? 'NZD'),
    timezone: z.zone,
    ...(z.guessed ? { timezoneGuessed: true } : {}),
    country: str(raw.CountryCode),
  };
}
