import { formatUnits, parseAmount } from '../../src/domain/money.ts';
import { zonedTimeToInstant } from '../../src/domain/dates.ts';
import { ConnectorError, type Contact, type CreditNote, type Invoice, type Payment } from '../types.ts';

/** QuickBooks Online JSON (minorversion 75) to canonical records. */
type Raw = Record<string, unknown>;

export class QboMappingError extends ConnectorError {
  constructor(message: string) {
    super('malformed_response', message, { provider: 'quickbooks' });
  }
}

const str = (v: unknown) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
const ref = (v: unknown) => str((v as { value?: unknown } | undefined)?.value);
const amount = (v: unknown, field: string) => {
  try {
    return formatUnits(parseAmount((v ?? 0) as string | number), 4);
  } catch {
    throw new QboMappingError(`bad ${field}: ${JSON.stringify(v)}`);
  }
};

export function updatedAt(raw: Raw): Date {
  const t = Date.parse(String((raw.MetaData as Raw | undefined)?.LastUpdatedTime ?? ''));
  if (!Number.isFinite(t)) throw new QboMappingError(`no MetaData.LastUpdatedTime on ${String(raw.Id)}`);
  return new Date(t);
}

const date = (v: unknown, field: string) => {
  const s = str(v);
  if (!s || !/^\d{4}-\d{2}-\d{2}$/.test(s.slice(0, 10)))
    throw new QboMappingError(`bad ${field}: ${JSON.stringify(v)}`);
  return s.slice(0, 10);
};

/**
 * QuickBooks has no invoice status: it is derived. A voided invoice keeps its row with zero
 * amounts and "Voided" in its private note; Balance is what is still owed.
 */
export function mapInvoice(raw: Raw, opts: { timezone: string; baseCurrency: string }): Invoice {
  const id = str(raw.Id);
  const customer = ref(raw.CustomerRef);
  if (!id || !customer) throw new QboMappingError('invoice without Id or CustomerRef');
  const total = amount(raw.TotalAmt, 'TotalAmt');
  const balance = amount(raw.Balance, 'Balance');
  const voided = parseAmount(total) === 0n && /\bVoided\b/.test(String(raw.PrivateNote ?? ''));
  const owed = parseAmount(balance);
  const status = voided ? 'voided' : owed > 0n ? 'open' : 'paid';
  const paidLinks = ((raw.LinkedTxn as Raw[] | undefined) ?? []).filter((l) => l.TxnType === 'Payment');
  const updated = updatedAt(raw);
  return {
    externalId: id,
    contactExternalId: customer,
    number: str(raw.DocNumber),
    reference: undefined,
    status,
    currency: ref(raw.CurrencyRef) ?? opts.baseCurrency,
    issueDate: date(raw.TxnDate, 'TxnDate'),
    dueDate: raw.DueDate ? date(raw.DueDate, 'DueDate') : undefined,
    total,
    amountDue: voided ? '0.0000' : balance,
    amountPaid: formatUnits(parseAmount(total) - owed, 4),
    amountCredited: '0.0000',
    onlineUrl: str(raw.InvoiceLink),
    billEmail: str((raw.BillEmail as Raw | undefined)?.Address),
    sentToContact: raw.EmailStatus === 'EmailSent',
    // QuickBooks does not say when the balance reached zero; the last change is the best bound.
    paidAt:
      status === 'paid' && paidLinks.length > 0
        ? updated
        : status === 'paid'
          ? zonedTimeToInstant(date(raw.TxnDate, 'TxnDate'), '12:00', opts.timezone)
          : undefined,
    updatedAt: updated,
    raw,
  };
}

export function mapCustomer(raw: Raw): Contact {
  const id = str(raw.Id);
  if (!id) throw new QboMappingError('customer without Id');
  const email = str((raw.PrimaryEmailAddr as Raw | undefined)?.Address);
  const bill = raw.BillAddr as Raw | undefined;
  return {
    externalId: id,
    name: str(raw.DisplayName) ?? str(raw.CompanyName) ?? id,
    legalName: str(raw.CompanyName),
    email,
    people: email
      ? [
          {
            name: [str(raw.GivenName), str(raw.FamilyName)].filter(Boolean).join(' ') || undefined,
            email,
            includeInEmails: true,
          },
        ]
      : [],
    phone: str((raw.PrimaryPhone as Raw | undefined)?.FreeFormNumber),
    addresses: bill
      ? [
          {
            kind: 'billing',
            lines: [bill.Line1, bill.Line2, bill.Line3, bill.Line4].map(str).filter((x): x is string => !!x),
            city: str(bill.City),
            region: str(bill.CountrySubDivisionCode),
            postalCode: str(bill.PostalCode),
            country: str(bill.Country),
          },
        ]
      : [],
    status: raw.Active === false ? 'archived' : 'active',
    parentExternalId: raw.Job === true ? ref(raw.ParentRef) : undefined,
    updatedAt: updatedAt(raw),
    raw,
  };
}

export function mapPayment(raw: Raw, baseCurrency: string): Payment {
  const id = str(raw.Id);
  if (!id) throw new QboMappingError('payment without Id');
  const allocations = ((raw.Line as Raw[] | undefined) ?? []).flatMap((line) =>
    ((line.LinkedTxn as Raw[] | undefined) ?? [])
      .filter((l) => l.TxnType === 'Invoice' && str(l.TxnId))
      .map((l) => ({ invoiceExternalId: str(l.TxnId)!, amount: amount(line.Amount, 'Line.Amount') })),
  );
  return {
    externalId: id,
    contactExternalId: ref(raw.CustomerRef),
    date: date(raw.TxnDate, 'TxnDate'),
    amount: amount(raw.TotalAmt, 'TotalAmt'),
    currency: ref(raw.CurrencyRef) ?? baseCurrency,
    status: 'active',
    allocations,
    updatedAt: updatedAt(raw),
    raw,
  };
}

export function mapCreditMemo(raw: Raw, baseCurrency: string): CreditNote {
  const id = str(raw.Id);
  if (!id) throw new QboMappingError('credit memo without Id');
  return {
    externalId: id,
    contactExternalId: ref(raw.CustomerRef),
    number: str(raw.DocNumber),
    status: parseAmount(amount(raw.Balance, 'Balance')) > 0n ? 'open' : 'applied',
    date: date(raw.TxnDate, 'TxnDate'),
    currency: ref(raw.CurrencyRef) ?? baseCurrency,
    total: amount(raw.TotalAmt, 'TotalAmt'),
    remaining: amount(raw.Balance, 'Balance'),
    allocations: [],
    updatedAt: updatedAt(raw),
    raw,
  };
}

/** A CDC entry with `status: "Deleted"` carries only its Id and when. */
export const isDeleted = (raw: Raw) => raw.status === 'Deleted';
