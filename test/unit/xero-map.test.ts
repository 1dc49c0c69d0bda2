import { describe, expect, it } from 'vitest';
import {
  mapContact,
  mapCredit,
  mapInvoice,
  mapOrganisation,
  mapPayment,
  XeroMappingError,
  xeroDate,
  xeroInstant,
} from '../../connectors/xero/map.ts';
import { ianaForXero, xeroZone } from '../../connectors/xero/timezones.ts';
import { templates, xeroFixture } from '../support/xero/fixtures.ts';

const t = templates();

describe('Xero mapping (official examples)', () => {
  it('reads every date form', () => {
    expect(xeroInstant('/Date(1541176290160+0000)/', 'x').toISOString()).toBe('2018-11-02T16:31:30.160Z');
    expect(xeroInstant('/Date(1541176290160)/', 'x').toISOString()).toBe('2018-11-02T16:31:30.160Z');
    expect(xeroInstant('2018-11-02T16:31:30Z', 'x').toISOString()).toBe('2018-11-02T16:31:30.000Z');
    expect(xeroInstant('2018-11-02T16:31:30', 'x').toISOString()).toBe('2018-11-02T16:31:30.000Z');
    // Date-only values keep their calendar date whatever the server's zone.
    expect(xeroDate('/Date(1546128000000+0000)/', undefined, 'DueDate')).toBe('2018-12-30');
    expect(xeroDate('/Date(1546128000000+0000)/', '2018-12-30T00:00:00', 'DueDate')).toBe('2018-12-30');
    expect(xeroDate('2019-03-11', undefined, 'DueDate')).toBe('2019-03-11');
    expect(() => xeroInstant('yesterday', 'UpdatedDateUTC')).toThrow(XeroMappingError);
    expect(() => xeroInstant(42, 'UpdatedDateUTC')).toThrow(XeroMappingError);
  });

  it.each([
    ['DRAFT', 'draft'],
    ['SUBMITTED', 'submitted'],
    ['AUTHORISED', 'open'],
    ['PAID', 'paid'],
    ['VOIDED', 'voided'],
    ['DELETED', 'deleted'],
  ])('maps invoice status %s to %s', (xero, ours) => {
    expect(mapInvoice({ ...t.invoiceAuthorised, Status: xero }, 'Pacific/Auckland').status).toBe(ours);
  });

  it('maps the AUTHORISED example exactly', () => {
    const inv = mapInvoice(t.invoiceAuthorised, 'Pacific/Auckland');
    expect(inv).toMatchObject({
      externalId: '7ef31b20-de17-4312-8382-412f869b1510',
      contactExternalId: expect.any(String),
      number: 'INV-0003',
      reference: undefined,
      status: 'open',
      currency: 'NZD',
      issueDate: '2018-11-02',
      dueDate: '2018-11-07',
      total: '115.0000',
      amountDue: '115.0000',
      amountPaid: '0.0000',
      sentToContact: false,
    });
    expect(inv.updatedAt.toISOString()).toBe('2018-11-02T16:37:28.927Z');
  });

  it('maps PAID with its paid date in the organisation zone, and VOIDED as owing nothing', () => {
    const paid = mapInvoice(t.invoicePaid, 'Pacific/Auckland');
    expect(paid.status).toBe('paid');
    expect(paid.amountPaid).toBe('46.0000');
    expect(paid.paidAt?.toISOString()).toBe('2018-11-28T23:00:00.000Z');
    const voided = mapInvoice({ ...t.invoiceVoided, AmountDue: 40 }, 'Pacific/Auckland');
    expect(voided.amountDue).toBe('0.0000');
  });

  it('rejects an unknown status or a missing id with a typed error', () => {
    expect(() => mapInvoice({ ...t.invoiceAuthorised, Status: 'WEIRD' }, 'UTC')).toThrow(XeroMappingError);
    expect(() => mapInvoice({ ...t.invoiceAuthorised, InvoiceID: undefined }, 'UTC')).toThrow(XeroMappingError);
    expect(() => mapInvoice({ ...t.invoiceAuthorised, Total: 'lots' }, 'UTC')).toThrow(XeroMappingError);
  });

  it('maps contacts: emails, people, phone, postal address', () => {
    const c = mapContact(t.contact);
    expect(c.externalId).toBe('5cc8cf28-567e-4d43-b287-687cfcaec47c');
    expect(c.email).toBe('kat.warren@clampett.com');
    expect(c.people[0]).toMatchObject({ email: 'kat.warren@clampett.com', includeInEmails: true });
    expect(c.phone).toBe('(626) 847-1294');
    expect(c.addresses).toEqual([
      { kind: 'pobox', lines: [], city: 'Palo Alto', region: 'CA', postalCode: '94020', country: 'United States' },
    ]);
    expect(c.companyNumber).toBe('NumberBusiness1234');
    expect(c.status).toBe('active');
  });

  it('maps payments to allocations on the invoice they pay', () => {
    const p = mapPayment(t.payment);
    expect(p).toMatchObject({ amount: '46.0000', currency: 'NZD', status: 'active', date: '2018-11-29' });
    expect(p.allocations).toEqual([{ invoiceExternalId: '046d8a6d-1ae1-4b4d-9340-5601bdf41b87', amount: '46.0000' }]);
  });

  it('maps credit notes, overpayments and prepayments without id collisions', () => {
    const cn = mapCredit(t.creditNote, 'credit_note');
    expect(cn).toMatchObject({
      externalId: '249f15fa-f2a7-4acc-8769-0984103f2225',
      remaining: '32.5000',
      total: '34.5000',
      status: 'authorised',
    });
    const op = mapCredit(t.overpayment, 'overpayment');
    expect(op.externalId).toBe('overpayment:098b4dcb-5622-4699-87f8-9d40c4ccceb3');
    expect(op.status).toBe('overpayment:authorised');
    const pp = mapCredit(t.prepayment, 'prepayment');
    expect(pp.externalId.startsWith('prepayment:')).toBe(true);
  });

  it('maps every example list without error', () => {
    for (const i of xeroFixture<{ Invoices: Record<string, unknown>[] }>('invoices-list.json').Invoices)
      mapInvoice(i, 'UTC');
    for (const c of xeroFixture<{ Contacts: Record<string, unknown>[] }>('contacts-list.json').Contacts) mapContact(c);
    for (const p of xeroFixture<{ Payments: Record<string, unknown>[] }>('payments-list.json').Payments) mapPayment(p);
  });

  it('turns Xero zones into IANA zones, falling back by country (a guess)', () => {
    expect(xeroZone('NEWZEALANDSTANDARDTIME', 'NZ')).toEqual({ zone: 'Pacific/Auckland', guessed: false });
    expect(xeroZone('GMTSTANDARDTIME', 'GB')).toEqual({ zone: 'Europe/London', guessed: false });
    expect(xeroZone('SOMEWHERESTANDARDTIME', 'AU')).toEqual({ zone: 'Australia/Sydney', guessed: true });
    const org = mapOrganisation(
      { Name: 'Demo', BaseCurrency: 'GBP', CountryCode: 'GB', Timezone: 'GMTSTANDARDTIME' },
      'tid',
      'x',
    );
    expect(org).toEqual({
      externalId: 'tid',
      name: 'Demo',
      legalName: undefined,
      baseCurrency: 'GBP',
      timezone: 'Europe/London',
      country: 'GB',
    });
  });
});

describe("every zone name in Xero's spec", () => {
  const names = xeroFixture<{ TimeZone: string[] }>('timezone-enum.json').TimeZone;
  /** Minutes east of UTC of `zone` at an instant (from Intl's "GMT+5:30" style offset). */
  const offset = (zone: string, at: string) => {
    const part = new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'longOffset' })
      .formatToParts(new Date(at))
      .find((p) => p.type === 'timeZoneName')!.value;
    const m = /GMT([+-])(\d\d):(\d\d)/.exec(part);
    return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  };

  it('maps to a zone this runtime knows (141 names, none falling back)', () => {
    expect(names).toHaveLength(141);
    const unmapped = names.filter((n) => !ianaForXero(n));
    expect(unmapped).toEqual([]);
    for (const n of names) expect(() => new Intl.DateTimeFormat('en', { timeZone: ianaForXero(n) })).not.toThrow();
  });

  it('puts Kenya, Thailand, Israel, Taiwan, Nepal and Chatham where they are, not in New Zealand', () => {
    const jan = '2026-01-15T12:00:00Z';
    expect(offset(ianaForXero('EAFRICASTANDARDTIME')!, jan)).toBe(180);
    expect(offset(ianaForXero('SEASIASTANDARDTIME')!, jan)).toBe(420);
    expect(offset(ianaForXero('ISRAELSTANDARDTIME')!, jan)).toBe(120);
    expect(offset(ianaForXero('TAIPEISTANDARDTIME')!, jan)).toBe(480);
    expect(offset(ianaForXero('NEPALSTANDARDTIME')!, jan)).toBe(345);
    expect(offset(ianaForXero('CHATHAMISLANDSSTANDARDTIME')!, jan)).toBe(825);
    expect(offset(ianaForXero('UTC08')!, jan)).toBe(-480);
    expect(offset(ianaForXero('UTC+13')!, jan)).toBe(780);
  });
});
