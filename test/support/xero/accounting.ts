import { randomUUID } from 'node:crypto';
import { HttpResponse } from 'msw';
import type { FakeTenant } from './fake.ts';
import { msDate } from './fixtures.ts';

type Raw = Record<string, unknown>;

/**
 * The fake Xero's Accounting API for one organisation, once the caller is authenticated: the
 * Organisation, the collections with If-Modified-Since, paging, `IDs` and `where` filters, online
 * invoice links and history notes, in Xero's envelope with its rate-limit headers.
 */
export async function answerCollection(
  tenant: FakeTenant,
  request: Request,
  url: URL,
  path: string,
  minLimitRemaining: number,
): Promise<Response> {
  const limits = {
    'X-MinLimit-Remaining': String(minLimitRemaining),
    'X-DayLimit-Remaining': '4000',
    'X-AppMinLimit-Remaining': '9000',
  };
  const [, collection, id, sub] = path.split('/');
  const envelope = (key: string, items: Raw[], pagination?: Raw) =>
    HttpResponse.json(
      {
        Id: randomUUID(),
        Status: 'OK',
        ProviderName: 'overdue tests',
        DateTimeUTC: msDate(new Date()),
        ...(pagination ? { pagination } : {}),
        [key]: items,
      },
      { headers: limits },
    );

  if (collection === 'Organisation') return envelope('Organisations', [tenant.org]);
  const key = collection as 'Invoices' | 'Contacts' | 'Payments' | 'CreditNotes' | 'Overpayments' | 'Prepayments';
  const list = tenant[key];
  if (!Array.isArray(list)) return HttpResponse.json({ Title: 'Not found' }, { status: 404 });
  const idField = {
    Invoices: 'InvoiceID',
    Contacts: 'ContactID',
    Payments: 'PaymentID',
    CreditNotes: 'CreditNoteID',
    Overpayments: 'OverpaymentID',
    Prepayments: 'PrepaymentID',
  }[key];
  if (id) {
    const item = list.find((x) => x[idField] === id);
    if (!item) return HttpResponse.json({ Title: 'Not found' }, { status: 404 });
    if (sub === 'OnlineInvoice') {
      if (item.Status === 'DRAFT')
        return HttpResponse.json({ Type: 'ValidationException', ErrorNumber: 10 }, { status: 400 });
      return envelope('OnlineInvoices', [{ OnlineInvoiceUrl: `https://in.xero.com/${String(id).slice(0, 8)}` }]);
    }
    if (sub === 'History' && request.method === 'PUT') {
      const body = (await request.json()) as { HistoryRecords: { Details: string }[] };
      // As Xero: a record's Details holds 250 characters; a longer one fails the whole request.
      if (body.HistoryRecords.some((h) => h.Details.length > 250))
        return HttpResponse.json(
          {
            ErrorNumber: 10,
            Type: 'ValidationException',
            Message: 'A validation exception occurred',
            Elements: [{ ValidationErrors: [{ Message: 'The Details field must be 250 characters or fewer' }] }],
          },
          { status: 400 },
        );
      // A repeated Idempotency-Key is answered as before, without writing again.
      const key = request.headers.get('idempotency-key');
      if (key && tenant.idempotencyKeys.has(key)) return envelope('HistoryRecords', body.HistoryRecords as Raw[]);
      if (key) tenant.idempotencyKeys.add(key);
      const notes = tenant.history.get(String(id)) ?? [];
      notes.push(...body.HistoryRecords.map((h) => h.Details));
      tenant.history.set(String(id), notes);
      return envelope('HistoryRecords', body.HistoryRecords as Raw[]);
    }
    return envelope(key, [item]);
  }
  const since = request.headers.get('if-modified-since');
  const sinceMs = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
  const updated = (x: Raw) => Number(/\d+/.exec(String(x.UpdatedDateUTC))![0]);
  // IDs: Xero's comma-separated id-list filter (Invoices and Contacts), GUIDs in any case.
  const ids = url.searchParams.get('IDs')?.toLowerCase().split(',');
  if (url.searchParams.has('IDs[]') || url.searchParams.getAll('IDs').length > 1)
    return HttpResponse.json({ Title: "Supplied parameter 'IDs' cannot be parsed." }, { status: 400 });
  // where: Xero's filter; the string equalities the connector sends (Type=="ACCREC") are applied.
  const equal = [...(url.searchParams.get('where') ?? '').matchAll(/(\w+)=="([^"]*)"/g)];
  const rows = list
    .filter((x) => updated(x) > sinceMs && (!ids || ids.includes(String(x[idField]).toLowerCase())))
    .filter((x) => equal.every(([, field, value]) => x[field!] === value))
    // As Xero: archived contacts are listed only when asked for.
    .filter(
      (x) => key !== 'Contacts' || x.ContactStatus !== 'ARCHIVED' || url.searchParams.get('includeArchived') === 'true',
    )
    .sort((a, b) => updated(a) - updated(b));
  const page = Number(url.searchParams.get('page') ?? 1);
  const size = Number(url.searchParams.get('pageSize') ?? 100);
  const slice = rows.slice((page - 1) * size, page * size);
  return envelope(key, slice, {
    page,
    pageSize: size,
    pageCount: Math.max(1, Math.ceil(rows.length / size)),
    itemCount: rows.length,
  });
}
