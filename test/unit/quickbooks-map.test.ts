import { describe, expect, it } from 'vitest';
import { parseFailure, toConnectorError } from '../../connectors/quickbooks/client.ts';
import {
  isDeleted,
  mapCreditMemo,
  mapCustomer,
  mapInvoice,
  mapPayment,
  QboMappingError,
} from '../../connectors/quickbooks/map.ts';
import { fixtureJson, fixtureText } from '../support/fixtures.ts';

const fx = <T = Record<string, unknown>>(name: string) => fixtureJson<T>(`quickbooks/${name}`);
const opts = { timezone: 'America/Los_Angeles', baseCurrency: 'USD' };

describe('QuickBooks mapping (Intuit examples)', () => {
  it('maps the Invoice sample: amounts, dates, email status', () => {
    const raw = fx<{ Invoice: Record<string, unknown> }>('invoice-read-sample.json').Invoice;
    const inv = mapInvoice(raw, opts);
    expect(inv).toMatchObject({
      externalId: '130',
      contactExternalId: expect.any(String),
      issueDate: '2014-09-19',
      total: '362.0700',
      status: 'open',
      currency: 'USD',
    });
    expect(inv.dueDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(inv.amountDue).toBe('362.0700');
  });

  it('derives paid from a zero balance and voided from zero amounts with a Voided note', () => {
    // Intuit's query example omits MetaData; the API always sends it.
    const raw = {
      ...fx<{ QueryResponse: { Invoice: Record<string, unknown>[] } }>('query-response-invoice.json').QueryResponse
        .Invoice[0]!,
      MetaData: { LastUpdatedTime: '2015-07-24T10:33:39-07:00' },
    };
    const paid = mapInvoice({ ...raw, Balance: 0, LinkedTxn: [{ TxnId: '9', TxnType: 'Payment' }] }, opts);
    expect(paid).toMatchObject({ status: 'paid', amountDue: '0.0000', amountPaid: '150.0000' });
    const voided = mapInvoice({ ...raw, TotalAmt: 0, Balance: 0, PrivateNote: 'Voided' }, opts);
    expect(voided).toMatchObject({ status: 'voided', amountDue: '0.0000' });
    expect(mapInvoice({ ...raw, EmailStatus: 'EmailSent' }, opts).sentToContact).toBe(true);
  });

  it('reads CDC deletions and rejects malformed records with a typed error', () => {
    const cdc = fx<{ CDCResponse: { QueryResponse: Record<string, Record<string, unknown>[]>[] }[] }>(
      'cdc-response-sample.json',
    );
    const estimates = cdc.CDCResponse[0]!.QueryResponse[1]!.Estimate!;
    expect(estimates.filter(isDeleted).map((e) => e.Id)).toEqual(['979']);
    expect(() => mapInvoice({ Id: '1' }, opts)).toThrow(QboMappingError);
    expect(() =>
      mapInvoice(
        {
          Id: '1',
          CustomerRef: { value: '2' },
          TxnDate: 'soon',
          MetaData: { LastUpdatedTime: '2026-01-01T00:00:00Z' },
        },
        opts,
      ),
    ).toThrow(QboMappingError);
  });

  it('maps a payment to the invoices it pays (LinkedTxn)', () => {
    const p = mapPayment(fx<{ Payment: Record<string, unknown> }>('payment-read-sample.json').Payment, 'USD');
    expect(p.amount).toBe('65.0000');
    expect(p.allocations).toEqual([{ invoiceExternalId: '70', amount: '55.0000' }]);
  });

  it('maps customers and credit memos', () => {
    const c = mapCustomer({
      Id: '7',
      DisplayName: 'Amy’s Bird Sanctuary',
      PrimaryEmailAddr: { Address: 'birds@example.com' },
      Active: true,
      MetaData: { LastUpdatedTime: '2026-01-01T00:00:00-08:00' },
    });
    expect(c).toMatchObject({ externalId: '7', email: 'birds@example.com', status: 'active' });
    const cm = mapCreditMemo(
      {
        Id: '8',
        TxnDate: '2026-01-02',
        TotalAmt: 10,
        Balance: 4,
        MetaData: { LastUpdatedTime: '2026-01-02T00:00:00Z' },
      },
      'USD',
    );
    expect(cm).toMatchObject({ remaining: '4.0000', status: 'open', currency: 'USD' });
  });

  it('classifies the real XML throttle fault and JSON faults by code, not message', () => {
    const xml = fixtureText('quickbooks/throttle-fault-429.xml');
    const throttled = toConnectorError(parseFailure({ response: { status: 429, headers: {}, data: xml } }, null));
    expect(throttled).toMatchObject({ code: 'rate_limited', retryable: true, providerCode: '3001' });
    const stale = toConnectorError(
      parseFailure(
        { Fault: { Error: [{ code: '5010' }], type: 'ValidationFault' } },
        { Fault: { Error: [{ code: '5010' }], type: 'ValidationFault' } },
      ),
    );
    expect(stale).toMatchObject({ code: 'conflict', providerCode: '5010' });
    expect(toConnectorError(parseFailure({ code: 'ECONNRESET' }, null))).toMatchObject({
      code: 'network',
      retryable: true,
    });
  });
});
