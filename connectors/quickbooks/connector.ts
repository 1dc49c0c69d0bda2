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
import { zoneForPlace } from '../shared/zones.ts';
import type { QboApi, QboOp } from './client.ts';
import { isDeleted, mapCreditMemo, mapCustomer, mapInvoice, mapPayment, updatedAt } from './map.ts';

type Raw = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
const QBO_PAGE = 1000;
/** Intuit keeps 2,000 characters of an Attachable's Note. */
const ATTACHABLE_NOTE_MAX = 2000;
/** The most changes of one entity a CDC answer holds. */
const CDC_MAX = 1000;
const CDC_LOOKBACK_MS = 30 * 86_400_000;
const ENTITY: Record<Resource, 'Customer' | 'Invoice' | 'Payment' | 'CreditMemo'> = {
  contacts: 'Customer',
  invoices: 'Invoice',
  payments: 'Payment',
  credit_notes: 'CreditMemo',
};
const FINDER = {
  Customer: 'findCustomers',
  Invoice: 'findInvoices',
  Payment: 'findPayments',
  CreditMemo: 'findCreditMemos',
} as const;
const GETTER = {
  Customer: 'getCustomer',
  Invoice: 'getInvoice',
  Payment: 'getPayment',
  CreditMemo: 'getCreditMemo',
} as const;

/**
 * Query: full listing by STARTPOSITION (backfill, or a resync when the cursor is older than
 * CDC's 30 days: the listing is complete, so the mirror finds deletions by comparison). CDC:
 * changes since a time, deletions included, 1,000 per entity per call.
 */
type Cursor = { m: 'query'; pos: number; since: string | null; t?: string } | { m: 'cdc'; since: string };

export class QuickBooksConnector implements AccountingConnector {
  readonly provider = 'quickbooks' as const;

  constructor(
    private readonly api: QboApi,
    private readonly opts: {
      realmId: string;
      timezone: string;
      baseCurrency: string;
      now: () => Date;
      pageSize?: number;
    },
  ) {}

  private get size() {
    return this.opts.pageSize ?? QBO_PAGE;
  }

  private map<R extends Resource>(resource: R, raw: Raw): RecordOf<R> {
    const o = this.opts;
    const m = {
      contacts: mapCustomer,
      invoices: (r: Raw) => mapInvoice(r, o),
      payments: (r: Raw) => mapPayment(r, o.baseCurrency),
      credit_notes: (r: Raw) => mapCreditMemo(r, o.baseCurrency),
    }[resource];
    return m(raw) as RecordOf<R>;
  }

  async listLedgers(): Promise<Ledger[]> {
    const realm = this.opts.realmId;
    const info = await this.api.call<Raw>(realm, (q, cb) => q.getCompanyInfo(realm, cb));
    const prefs = await this.api.call<Raw>(realm, (q, cb) => q.getPreferences(cb));
    const currency = ((prefs.CurrencyPrefs as Raw | undefined)?.HomeCurrency as Raw | undefined)?.value;
    const address = (info.CompanyAddr ?? info.LegalAddr) as Raw | undefined;
    const country = str(info.Country) ?? str(address?.Country);
    // The API does not expose the company's zone: its country and state or province decide it,
    // and where they cannot (no state in a country of several zones) the owner is asked.
    const z = zoneForPlace(country, str(address?.CountrySubDivisionCode));
    return [
      {
        externalId: realm,
        name: String(info.CompanyName ?? `QuickBooks company ${realm}`),
        legalName: typeof info.LegalName === 'string' ? info.LegalName : undefined,
        baseCurrency: typeof currency === 'string' ? currency : 'USD',
        timezone: z.zone,
        ...(z.guessed ? { timezoneGuessed: true } : {}),
        country,
      },
    ];
  }

  async page<R extends Resource>(realmId: string, resource: R, req: PageRequest): Promise<Page<RecordOf<R>>> {
    const entity = ENTITY[resource];
    let cur: Cursor;
    if (req.cursor) cur = parseCursor(req.cursor);
    else if (!req.modifiedSince) cur = { m: 'query', pos: 1, since: null };
    else if (this.opts.now().getTime() - req.modifiedSince.getTime() < CDC_LOOKBACK_MS)
      cur = { m: 'cdc', since: req.modifiedSince.toISOString() };
    // Too old for CDC: only a full listing shows what was deleted meanwhile (by its absence).
    else cur = { m: 'query', pos: 1, since: null };

    if (cur.m === 'cdc') {
      const since = cur.since;
      const body = await this.api.call<Raw>(realmId, (q, cb) => q.changeDataCapture([entity], since, cb));
      const responses = ((body.CDCResponse as Raw[] | undefined)?.[0]?.QueryResponse as Raw[] | undefined) ?? [];
      const rows = responses.flatMap((r) => (r[entity] as Raw[] | undefined) ?? []);
      const live = rows.filter((r) => !isDeleted(r));
      const deleted = rows.filter(isDeleted).map((r) => ({ externalId: String(r.Id), updatedAt: updatedAt(r) }));
      // CDC answers at most 1,000 changes of an entity, in no promised order, and takes no upper
      // bound: a full answer may have left changes out, and moving `since` up to its newest row
      // loses the older ones left out (or never moves, when 1,000 changed within a second). The
      // changes since then are walked by query instead, from the same instant, in pages that
      // always advance; the deletions this answer reported are kept.
      const next: Cursor | undefined =
        rows.length >= CDC_MAX
          ? { m: 'query', pos: 1, since, t: typeof body.time === 'string' ? body.time : this.opts.now().toISOString() }
          : undefined;
      return {
        items: live.map((r) => this.map(resource, r)),
        deleted,
        nextCursor: next ? JSON.stringify(next) : undefined,
        watermark: !next && typeof body.time === 'string' ? new Date(body.time) : undefined,
      };
    }

    // A plain query lists active customers only; a complete listing must show inactive ones too,
    // or they would look deleted.
    // Changes since an instant, by id: a record updated during the walk stays where it is (ordered
    // by update time it would jump to the end and shift the pages, skipping one), and one that
    // newly enters the window only shifts later rows later (read twice, never skipped).
    const where = cur.since
      ? `where MetaData.LastUpdatedTime >= '${cur.since}' ORDERBY Id`
      : entity === 'Customer'
        ? 'where Active IN (true, false) ORDERBY Id'
        : 'ORDERBY Id';
    const query = `${where} STARTPOSITION ${cur.pos} MAXRESULTS ${this.size}`;
    const { body, qr, rows } = await this.query(realmId, entity, query);
    // The first page's server time is where the next incremental run starts.
    const started = cur.t ?? (typeof body.time === 'string' ? body.time : this.opts.now().toISOString());
    const next: Cursor | undefined =
      rows.length >= this.size ? { m: 'query', pos: cur.pos + this.size, since: cur.since, t: started } : undefined;
    const total = typeof qr.totalCount === 'number' ? qr.totalCount : undefined;
    return {
      items: rows.map((r) => this.map(resource, r)),
      nextCursor: next ? JSON.stringify(next) : undefined,
      estimatedPages: cur.pos === 1 && total !== undefined ? Math.max(1, Math.ceil(total / this.size)) : undefined,
      watermark: next ? undefined : new Date(started),
      complete: cur.since === null,
    };
  }

  async fetchOne<R extends Resource>(realmId: string, resource: R, externalId: string): Promise<RecordOf<R> | null> {
    const entity = ENTITY[resource];
    try {
      const raw = await this.api.call<Raw>(realmId, (q, cb) => q[GETTER[entity]]!(externalId, cb));
      return this.map(resource, (raw[entity] as Raw | undefined) ?? raw);
    } catch (err) {
      if (err instanceof ConnectorError && err.code === 'not_found') return null;
      throw err;
    }
  }

  /**
   * Records by id (`where Id IN (...)`), in one query instead of one call each. A deleted record
   * is not returned, as fetchOne finds none. Customers are asked for active or not: a plain query
   * lists active ones only, and an inactive customer must be mirrored as such, not as deleted.
   */
  async fetchMany<R extends Resource>(
    realmId: string,
    resource: R,
    externalIds: string[],
  ): Promise<Map<string, RecordOf<R>> | null> {
    const entity = ENTITY[resource];
    assertFetchManySize(externalIds);
    const ids = new Set(externalIds);
    // QuickBooks ids are digits; anything else cannot be one and must not reach the query text.
    if ([...ids].some((id) => !/^\d+$/.test(id))) return null;
    const active = entity === 'Customer' ? ' AND Active IN (true, false)' : '';
    const query = `where Id IN (${[...ids].map((id) => `'${id}'`).join(', ')})${active} STARTPOSITION 1 MAXRESULTS ${FETCH_MANY_MAX}`;
    const { rows } = await this.query(realmId, entity, query);
    const found = new Map<string, RecordOf<R>>();
    for (const row of rows) {
      const record = this.map(resource, row);
      if (ids.has(record.externalId)) found.set(record.externalId, record);
    }
    return found;
  }

  /** One query (`where ... STARTPOSITION ... MAXRESULTS ...`) on the entity's finder, and the rows it returned. */
  private async query(
    realmId: string,
    entity: (typeof ENTITY)[Resource],
    text: string,
  ): Promise<{ body: Raw; qr: Raw; rows: Raw[] }> {
    const body = await this.api.call<Raw>(realmId, (q, cb) =>
      (q[FINDER[entity]] as unknown as (c: string, cb: unknown) => void)(text, cb),
    );
    const qr = (body.QueryResponse ?? {}) as Raw;
    return { body, qr, rows: (qr[entity] as Raw[] | undefined) ?? [] };
  }

  /** The customer payment link needs `include=invoiceLink`, which node-quickbooks cannot pass. */
  async onlineInvoiceUrl(realmId: string, invoiceExternalId: string): Promise<string | null> {
    const op: QboOp = (q, cb) => {
      const client = q as unknown as { endpoint: string; token: string };
      const url = `${client.endpoint}${realmId}/invoice/${encodeURIComponent(invoiceExternalId)}?include=invoiceLink&minorversion=75`;
      fetch(url, { headers: { authorization: `Bearer ${client.token}`, accept: 'application/json' } })
        .then(async (res) => {
          const body = await res.json().catch(() => null);
          if (!res.ok)
            cb({ response: { status: res.status, headers: Object.fromEntries(res.headers), data: body } }, body);
          else cb(null, body);
        })
        .catch((err: unknown) => cb(err, null));
    };
    try {
      const body = await this.api.call<Raw>(realmId, op);
      const link = (body.Invoice as Raw | undefined)?.InvoiceLink;
      return typeof link === 'string' && link ? link : null;
    } catch (err) {
      if (err instanceof ConnectorError && err.code === 'not_found') return null;
      throw err;
    }
  }

  /** Appends to the invoice's private note, keeping what is there; a stale SyncToken is re-read and retried. */
  /**
   * A note-only Attachable linked to the invoice, not an edit of the invoice: PrivateNote is the
   * business's statement memo (4,000 characters, full after a few dozen reminders), and every edit
   * of it bumped the invoice, raced its SyncToken and came back as a webhook. Intuit's `requestid`
   * makes a retried write land once.
   */
  async addInvoiceNote(realmId: string, invoiceExternalId: string, note: string, idempotencyKey?: string) {
    const text = note.length > ATTACHABLE_NOTE_MAX ? `${note.slice(0, ATTACHABLE_NOTE_MAX - 1)}…` : note;
    await this.api.call(realmId, (q, cb) =>
      q.createAttachable(
        {
          Note: text,
          AttachableRef: [{ EntityRef: { type: 'Invoice', value: invoiceExternalId }, IncludeOnSend: false }],
          ...(idempotencyKey ? { requestId: idempotencyKey } : {}),
        } as never,
        cb,
      ),
    );
  }
}

function parseCursor(raw: string): Cursor {
  try {
    const c = JSON.parse(raw) as Cursor;
    if (c.m === 'cdc' || (c.m === 'query' && typeof c.pos === 'number')) return c;
  } catch {
    /* fall through */
  }
  throw new ConnectorError('validation', 'unreadable QuickBooks page cursor', { provider: 'quickbooks' });
}
