import type { XeroClient } from 'xero-node';
import {
  type AccountingConnector,
  assertFetchManySize,
  ConnectorError,
  FETCH_MANY_MAX,
  type Ledger,
  type Page,
  type PageRequest,
  type RecordOf,
  type Resource,
} from '../types.ts';
import type { XeroApi, XeroCall } from './client.ts';
import { type CreditKind, isPayable, mapContact, mapCredit, mapInvoice, mapOrganisation, mapPayment } from './map.ts';

/** A response that did not arrive whole is a transport failure: retryable, never "no records". */
const incomplete = (key: string) =>
  new ConnectorError('network', `Xero's ${key} response arrived incomplete`, {
    provider: 'xero',
    providerCode: 'incomplete_body',
  });

const XERO_PAGE_SIZE = 1000;
type Raw = Record<string, unknown>;
type Endpoint = {
  key: string;
  list: (x: XeroClient, tenant: string, since: Date | undefined, page: number) => ReturnType<XeroCall>;
  map: (r: Raw) => unknown;
};

type ByIds = {
  key: string;
  call: (x: XeroClient, tenant: string, ids: string[]) => ReturnType<XeroCall>;
  map: (r: Raw) => unknown;
};

/**
 * Pages are walked by modification time (keyset on UpdatedDateUTC, ascending) rather than by
 * page number alone: a record updated mid-backfill moves to the end and is read again, instead of
 * shifting the pages and making us skip a neighbour.
 */
/** Xero keeps 250 characters of a history record's Details. */
const XERO_NOTE_MAX = 250;
type Cursor = { e: number; s: string | null; o: string | null; p: number };

export class XeroConnector implements AccountingConnector {
  readonly provider = 'xero' as const;
  private readonly endpoints: Record<Resource, Endpoint[]>;
  /** Xero's comma-separated IDs filter exists for invoices and contacts only. */
  private readonly byIds: Partial<Record<Resource, ByIds>>;
  private readonly pageSize: number;

  constructor(
    private readonly api: XeroApi,
    private readonly opts: { timezone: string; pageSize?: number },
  ) {
    this.pageSize = opts.pageSize ?? XERO_PAGE_SIZE;
    const size = this.pageSize;
    const order = 'UpdatedDateUTC ASC';
    const credit = (kind: CreditKind) => (r: Raw) => mapCredit(r, kind);
    this.byIds = {
      // page=1: a multi-invoice read without paging leaves out line items.
      invoices: {
        key: 'Invoices',
        map: (r) => mapInvoice(r, opts.timezone),
        call: (x, t, ids) =>
          x.accountingApi.getInvoices(
            t,
            undefined,
            undefined,
            undefined,
            ids,
            undefined,
            undefined,
            undefined,
            1,
            true,
            undefined,
            undefined,
            false,
            FETCH_MANY_MAX,
          ),
      },
      contacts: {
        key: 'Contacts',
        map: (r) => mapContact(r),
        call: (x, t, ids) =>
          x.accountingApi.getContacts(
            t,
            undefined,
            undefined,
            undefined,
            ids,
            1,
            true,
            false,
            undefined,
            FETCH_MANY_MAX,
          ),
      },
    };
    this.endpoints = {
      contacts: [
        {
          key: 'Contacts',
          map: (r) => mapContact(r),
          list: (x, t, s, p) =>
            x.accountingApi.getContacts(t, s, 'IsCustomer==true', order, undefined, p, true, false, undefined, size),
        },
      ],
      invoices: [
        {
          key: 'Invoices',
          map: (r) => mapInvoice(r, opts.timezone),
          list: (x, t, s, p) =>
            x.accountingApi.getInvoices(
              t,
              s,
              'Type=="ACCREC"',
              order,
              undefined,
              undefined,
              undefined,
              undefined,
              p,
              undefined,
              undefined,
              undefined,
              false,
              size,
            ),
        },
      ],
      payments: [
        {
          key: 'Payments',
          map: (r) => mapPayment(r),
          list: (x, t, s, p) => x.accountingApi.getPayments(t, s, 'PaymentType=="ACCRECPAYMENT"', order, p, size),
        },
      ],
      credit_notes: [
        {
          key: 'CreditNotes',
          map: credit('credit_note'),
          list: (x, t, s, p) => x.accountingApi.getCreditNotes(t, s, 'Type=="ACCRECCREDIT"', order, p, undefined, size),
        },
        {
          key: 'Overpayments',
          map: credit('overpayment'),
          list: (x, t, s, p) =>
            x.accountingApi.getOverpayments(t, s, 'Type=="RECEIVE-OVERPAYMENT"', order, p, undefined, size),
        },
        {
          key: 'Prepayments',
          map: credit('prepayment'),
          list: (x, t, s, p) =>
            x.accountingApi.getPrepayments(t, s, 'Type=="RECEIVE-PREPAYMENT"', order, p, undefined, size),
        },
      ],
    };
  }

  async listLedgers(opts: { authEventId?: string } = {}): Promise<Ledger[]> {
    const res = await this.api.call('identity', async (x) => ({
      response: { status: 200, data: await x.updateTenants(false), headers: {} },
    }));
    // Only this consent's organisations: the user's others belong to other consents (perhaps
    // other firms), and importing them here would let this firm's disconnect remove theirs.
    const tenants = (res.data as Raw[]).filter(
      (t) => t.tenantType === 'ORGANISATION' && (!opts.authEventId || t.authEventId === opts.authEventId),
    );
    const ledgers: Ledger[] = [];
    for (const t of tenants) {
      const tenantId = String(t.tenantId);
      const name = String(t.tenantName ?? 'Xero organisation');
      try {
        const org = await this.api.call(tenantId, (x) => x.accountingApi.getOrganisations(tenantId));
        const raw = (((org.data as Raw).Organisations as Raw[] | undefined) ?? [])[0] ?? {};
        ledgers.push({ ...mapOrganisation(raw, tenantId, name), connectionRef: String(t.id) });
      } catch (err) {
        // One organisation failing (a lapsed trial answers 403) does not fail the others.
        if (!(err instanceof ConnectorError)) throw err;
        ledgers.push({
          externalId: tenantId,
          name,
          baseCurrency: 'XXX',
          timezone: 'UTC',
          connectionRef: String(t.id),
          unavailable: `${err.code}${err.providerCode ? ` (${err.providerCode})` : ''}`,
        });
      }
    }
    return ledgers;
  }

  async page<R extends Resource>(tenantId: string, resource: R, req: PageRequest): Promise<Page<RecordOf<R>>> {
    const eps = this.endpoints[resource];
    const origin = req.modifiedSince ? req.modifiedSince.toISOString() : null;
    const cur: Cursor = req.cursor ? parseCursor(req.cursor) : { e: 0, s: origin, o: origin, p: 1 };
    const ep = eps[cur.e];
    if (!ep) throw new ConnectorError('validation', 'cursor points past the last endpoint', { provider: 'xero' });
    const { rows, body } = await this.rowsOf(
      tenantId,
      (x) => ep.list(x, tenantId, cur.s ? new Date(cur.s) : undefined, cur.p),
      ep.key,
    );
    const items = rows.map((r) => ep.map(r)) as RecordOf<R>[];
    const pagination = body.pagination as { pageCount?: number } | undefined;

    let next: Cursor | undefined;
    if (rows.length >= this.pageSize) {
      const last = Math.max(...items.map((i) => i.updatedAt.getTime()));
      // One second back: the header has second precision and equal timestamps must be re-read.
      const since = new Date(Math.floor(last / 1000) * 1000 - 1000).toISOString();
      next = cur.s === null || since > cur.s ? { ...cur, s: since, p: 1 } : { ...cur, p: cur.p + 1 };
    } else if (cur.e + 1 < eps.length) {
      next = { e: cur.e + 1, s: cur.o, o: cur.o, p: 1 };
    }
    const firstPageOfWalk = cur.s === cur.o && cur.p === 1;
    return {
      items,
      nextCursor: next ? JSON.stringify(next) : undefined,
      estimatedPages:
        firstPageOfWalk && pagination?.pageCount ? pagination.pageCount + (eps.length - 1 - cur.e) : undefined,
    };
  }

  async fetchOne<R extends Resource>(tenantId: string, resource: R, externalId: string): Promise<RecordOf<R> | null> {
    const [kind, id] = externalId.includes(':')
      ? (externalId.split(':', 2) as [string, string])
      : ['credit_note', externalId];
    const calls: Record<Resource, [XeroCall, string, (r: Raw) => unknown]> = {
      invoices: [
        (x) => x.accountingApi.getInvoice(tenantId, externalId),
        'Invoices',
        (r) => mapInvoice(r, this.opts.timezone),
      ],
      contacts: [(x) => x.accountingApi.getContact(tenantId, externalId), 'Contacts', mapContact],
      payments: [(x) => x.accountingApi.getPayment(tenantId, externalId), 'Payments', mapPayment],
      credit_notes:
        kind === 'overpayment'
          ? [(x) => x.accountingApi.getOverpayment(tenantId, id), 'Overpayments', (r) => mapCredit(r, 'overpayment')]
          : kind === 'prepayment'
            ? [(x) => x.accountingApi.getPrepayment(tenantId, id), 'Prepayments', (r) => mapCredit(r, 'prepayment')]
            : [(x) => x.accountingApi.getCreditNote(tenantId, id), 'CreditNotes', (r) => mapCredit(r, 'credit_note')],
    };
    const [call, key, map] = calls[resource];
    try {
      const row = (await this.rowsOf(tenantId, call, key)).rows[0];
      // A payable is not ours: to the caller it is as absent as a deleted receivable.
      return row && !isPayable(row) ? (map(row) as RecordOf<R>) : null;
    } catch (err) {
      if (err instanceof ConnectorError && err.code === 'not_found') return null;
      throw err;
    }
  }

  /**
   * Invoices and contacts by id list in one call (Xero's IDs filter), archived contacts
   * included, as fetchOne would return them. Payments and credits have no id-list filter: null,
   * and the caller fetches them one by one.
   */
  async fetchMany<R extends Resource>(
    tenantId: string,
    resource: R,
    externalIds: string[],
  ): Promise<Map<string, RecordOf<R>> | null> {
    const list = this.byIds[resource];
    if (!list) return null;
    assertFetchManySize(externalIds);
    const ids = [...new Set(externalIds)];
    const { rows } = await this.rowsOf(tenantId, (x) => list.call(x, tenantId, ids), list.key);
    // Xero's GUIDs come back in its own spelling: answer under the id the caller asked for.
    const wanted = new Map(ids.map((id) => [id.toLowerCase(), id]));
    const found = new Map<string, RecordOf<R>>();
    for (const row of rows) {
      if (isPayable(row)) continue;
      const record = list.map(row) as RecordOf<R>;
      const asked = wanted.get(record.externalId.toLowerCase());
      if (asked) found.set(asked, record);
    }
    return found;
  }

  /**
   * One call and the list it names. Xero always names the list, empty or not; without it the body
   * was cut off or garbled. That is an error (the read is retried), never "none": an empty page
   * would end a walk early and leave a gap, and a missing record would mark a live one deleted.
   */
  private async rowsOf(tenantId: string, call: XeroCall, key: string): Promise<{ rows: Raw[]; body: Raw }> {
    const res = await this.api.call(tenantId, call);
    const body = (res.data ?? {}) as Raw;
    const rows = body[key];
    if (!Array.isArray(rows)) throw incomplete(key);
    return { rows: rows as Raw[], body };
  }

  async onlineInvoiceUrl(tenantId: string, invoiceExternalId: string): Promise<string | null> {
    try {
      const res = await this.api.call(tenantId, (x) => x.accountingApi.getOnlineInvoice(tenantId, invoiceExternalId));
      const list = ((res.data ?? {}) as Raw).OnlineInvoices as Raw[] | undefined;
      return typeof list?.[0]?.OnlineInvoiceUrl === 'string' ? list[0].OnlineInvoiceUrl : null;
    } catch (err) {
      // Drafts have no online invoice: Xero answers 400 (validation).
      if (err instanceof ConnectorError && (err.code === 'not_found' || err.code === 'validation')) return null;
      throw err;
    }
  }

  async addInvoiceNote(
    tenantId: string,
    invoiceExternalId: string,
    note: string,
    idempotencyKey?: string,
  ): Promise<void> {
    // One history record per line (several notes queued for one invoice), each within the 250
    // characters Xero keeps of a record's Details; all in one call, under one Idempotency-Key.
    const historyRecords = note
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => ({ details: line.length > XERO_NOTE_MAX ? `${line.slice(0, XERO_NOTE_MAX - 1)}…` : line }));
    if (historyRecords.length === 0) return;
    await this.api.call(tenantId, (x) =>
      x.accountingApi.createInvoiceHistory(tenantId, invoiceExternalId, { historyRecords }, idempotencyKey),
    );
  }
}

function parseCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(raw) as Cursor;
    if (typeof c.e === 'number' && typeof c.p === 'number' && c.p >= 1) return c;
  } catch {
    /* fall through */
  }
  throw new ConnectorError('validation', 'unreadable Xero page cursor', { provider: 'xero' });
}
