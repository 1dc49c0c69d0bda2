/**
 * The AccountingConnector port: everything overdue asks of a ledger, whichever provider keeps it.
 * Adapters (xero/, quickbooks/, demo/) translate provider records into these canonical ones.
 * Amounts are decimal strings; dates are "YYYY-MM-DD" in the ledger's zone; instants are Dates.
 */
import type { ParsedDelivery } from '../webhooks/events.ts';

/** Providers a customer connects with OAuth (each has a folder here and a registry entry). */
export const EXTERNAL_PROVIDERS = ['xero', 'quickbooks'] as const;
export type ExternalProvider = (typeof EXTERNAL_PROVIDERS)[number];
/** Every kind of ledger: the connected ones and the built-in demo. */
export const PROVIDERS_ALL = [...EXTERNAL_PROVIDERS, 'demo'] as const;
export type Provider = (typeof PROVIDERS_ALL)[number];

/**
 * Why a call is made, which decides who goes first when a ledger's API budget is busy: reading
 * what may stop a reminder (a webhook), then reading before a send, then history notes, then
 * backfill and routine reconcile.
 */
export type Lane = 'stop' | 'send' | 'note' | 'bulk';
export const LANE_RANK: Readonly<Record<Lane, number>> = { stop: 0, send: 1, note: 2, bulk: 3 };

export type Ledger = {
  externalId: string;
  name: string;
  legalName?: string;
  baseCurrency: string;
  timezone: string;
  /** The provider did not say the zone: it was guessed from the country, and the owner is asked. */
  timezoneGuessed?: boolean;
  country?: string;
  /** The provider's id for the link to this ledger (Xero connection id), used to disconnect it. */
  connectionRef?: string;
  /**
   * Listed by the consent but not readable (a lapsed trial answers 403): why, in a few words. The
   * other organisations of the consent connect regardless; this one is reported, not imported.
   */
  unavailable?: string;
};

export type Contact = {
  externalId: string;
  name: string;
  legalName?: string;
  email?: string;
  people: { name?: string; email: string; role?: string; includeInEmails?: boolean }[];
  phone?: string;
  timezone?: string;
  country?: string;
  addresses: {
    kind?: string;
    lines: string[];
    city?: string;
    region?: string;
    postalCode?: string;
    country?: string;
  }[];
  taxNumber?: string;
  companyNumber?: string;
  status: 'active' | 'archived' | 'deleted';
  /** Merged into this contact (Xero's MergedToContactID): what it held now belongs there. */
  mergedIntoExternalId?: string;
  /** A QuickBooks job (sub-customer): its parent customer, whose address is used when it has none. */
  parentExternalId?: string;
  updatedAt: Date;
  raw?: unknown;
};

export type InvoiceStatus = 'draft' | 'submitted' | 'open' | 'paid' | 'voided' | 'deleted';

export type Invoice = {
  externalId: string;
  contactExternalId: string;
  number?: string;
  reference?: string;
  status: InvoiceStatus;
  currency: string;
  issueDate: string;
  dueDate?: string;
  total: string;
  amountDue: string;
  amountPaid: string;
  amountCredited: string;
  onlineUrl?: string;
  /** The address the ledger bills this invoice to (QuickBooks BillEmail), before the customer's. */
  billEmail?: string;
  sentToContact: boolean;
  paidAt?: Date;
  updatedAt: Date;
  raw?: unknown;
};

export type Allocation = { invoiceExternalId: string; amount: string };

export type Payment = {
  externalId: string;
  contactExternalId?: string;
  date: string;
  amount: string;
  currency: string;
  status: 'active' | 'voided' | 'deleted';
  allocations: Allocation[];
  updatedAt: Date;
  raw?: unknown;
};

export type CreditNote = {
  externalId: string;
  contactExternalId?: string;
  number?: string;
  status: string;
  date: string;
  currency: string;
  total: string;
  remaining: string;
  allocations: Allocation[];
  updatedAt: Date;
  raw?: unknown;
};

export type Resource = 'contacts' | 'invoices' | 'payments' | 'credit_notes';
/** Every resource, in the order a sync or a batch of webhook events applies them: who owes, then what. */
export const RESOURCES: readonly Resource[] = ['contacts', 'invoices', 'payments', 'credit_notes'];
export type RecordOf<R extends Resource> = {
  contacts: Contact;
  invoices: Invoice;
  payments: Payment;
  credit_notes: CreditNote;
}[R];

export type PageRequest = {
  /** Only records the provider updated at or after this instant (incremental sync). */
  modifiedSince?: Date;
  /** Opaque cursor from the previous page; absent for the first page. */
  cursor?: string;
};

export type Page<T> = {
  items: T[];
  /** Absent on the last page. */
  nextCursor?: string;
  /** Provider's estimate of pages in the whole listing, when it has one (progress bars). */
  estimatedPages?: number;
  /** The provider's own "changes up to here" mark (QuickBooks CDC response time): the next run's start. */
  watermark?: Date;
  /** Records the provider reports deleted: only their ids and when (the mirror marks them deleted). */
  deleted?: { externalId: string; updatedAt: Date }[];
  /**
   * This walk lists every record the ledger still has (a provider that reports no deletions in
   * lists, QuickBooks): a record mirrored before the walk began and absent from all of its pages
   * was deleted.
   */
  complete?: boolean;
};

export type TokenSet = {
  accessToken: string;
  refreshToken: string;
  accessExpiresAt: Date;
  refreshExpiresAt?: Date;
  refreshHardExpiresAt?: Date;
  scopes: string[];
};

/** The most ids one fetchMany call takes: 50 Xero GUIDs keep the query string under 2 KB. */
export const FETCH_MANY_MAX = 50;
export function assertFetchManySize(ids: readonly string[]) {
  if (ids.length > FETCH_MANY_MAX)
    throw new RangeError(`fetchMany takes at most ${FETCH_MANY_MAX} ids, got ${ids.length}`);
}

/** Everything we ask of one ledger. Implementations hold their own credentials and rate limits. */
export interface AccountingConnector {
  readonly provider: Provider;
  /**
   * The ledgers this grant reaches; with `authEventId` (Xero), only those connected by that
   * consent, not every organisation the user ever connected to this app.
   */
  listLedgers(opts?: { authEventId?: string }): Promise<Ledger[]>;
  page<R extends Resource>(ledgerId: string, resource: R, req: PageRequest): Promise<Page<RecordOf<R>>>;
  fetchOne<R extends Resource>(ledgerId: string, resource: R, externalId: string): Promise<RecordOf<R> | null>;
  /**
   * Several records of one resource in as few calls as the provider allows (a bulk change in the
   * ledger sends one webhook event per record; fetching them one by one spends the provider's
   * per-minute call allowance). Ids the provider does not return are absent from the map: deleted.
   * Null (or no method) where the provider has no id-list read for the resource: callers then
   * fetch one by one. At most FETCH_MANY_MAX ids a call: callers chunk, so one failed call fails
   * only its own records.
   */
  fetchMany?<R extends Resource>(
    ledgerId: string,
    resource: R,
    externalIds: string[],
  ): Promise<Map<string, RecordOf<R>> | null>;
  /** The customer-facing link for paying or viewing the invoice, if the ledger has one. */
  onlineInvoiceUrl(ledgerId: string, invoiceExternalId: string): Promise<string | null>;
  /**
   * Appends a history note to the ledger's invoice (the only thing overdue writes back). The key,
   * where the provider honours one, makes a retried write land once.
   */
  addInvoiceNote(ledgerId: string, invoiceExternalId: string, note: string, idempotencyKey?: string): Promise<void>;
  /** Exchanges the refresh token; implementations never call it concurrently for one grant. */
  refresh?(refreshToken: string): Promise<TokenSet>;
  revoke?(): Promise<void>;
}

/** Who a sign-in names: the provider's subject, and the email only when the provider verified it. */
export type Identity = { subject: string; email?: string; name?: string };

/** A completed consent: its tokens, the grant it renews, and the tenants it (and only it) covers. */
type Consent = {
  tokens: TokenSet;
  /** Same user (Xero) or same realm (QuickBooks): a re-consent updates that connection. */
  grantId?: string;
  /** The tenants this consent connected, read with the connection's freshly stored tokens. */
  tenants(connectionId: string): Promise<Ledger[]>;
};

/** A verified webhook body, read: its events, or why it makes no sense (then kept, quarantined). */
export type WebhookReader = {
  /** The header carrying the HMAC of the exact body bytes. */
  signatureHeader: string;
  /** The setting operators fill with the signing key, named in errors. */
  setting: string;
  /** Time we allow ourselves to store a delivery, inside the provider's own deadline. */
  ackBudgetMs: number;
  verify(secret: string, body: Uint8Array, signature: string | undefined): boolean;
  parse(body: Uint8Array): ParsedDelivery;
};

/** The ledger a connector is built for: which tenant, and what its records are read in. */
type TenantRef = { externalId: string; timezone: string; baseCurrency: string };

/**
 * The whole life of a connection with one provider, built once per process from its settings:
 * consent, sign-in, token refresh and revoke, disconnecting one tenant, and the connector for a
 * ledger. Services only ever hold this (through the registry); they never name a provider.
 */
export interface ProviderPort {
  readonly provider: ExternalProvider;
  /** Consent URL for this app's scopes, with PKCE (S256). */
  authorizationUrl(state: string, codeChallenge: string): Promise<string>;
  /** Exchanges the callback's code (with the PKCE verifier) for tokens and the consent's tenants. */
  completeConsent(callbackUrl: string, state: string, codeVerifier: string, now: number): Promise<Consent>;
  /** Sign in with the provider: identity scopes only, no tokens kept. */
  signIn: {
    authorizationUrl(state: string, codeChallenge: string): Promise<string>;
    identify(callbackUrl: string, state: string, codeVerifier: string): Promise<Identity>;
  };
  /** Exchanges a refresh token; never called concurrently for one grant (ConnectionTokens). */
  refresh(refreshToken: string, now: number): Promise<TokenSet>;
  revoke(refreshToken: string): Promise<void>;
  /**
   * Removes one tenant from a grant that holds several, leaving the others connected (Xero DELETE
   * /connections/{id}). Absent where a grant reaches one tenant only: revoking the grant does it.
   */
  disconnectTenant?(accessToken: string, connectionRef: string): Promise<void>;
  /** The connector for one ledger of a connection; `lane` says why its calls are made. */
  connector(connectionId: string, tenant: TenantRef, lane?: Lane): AccountingConnector;
}

export type ConnectorErrorCode =
  | 'unauthorized'
  | 'invalid_grant'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'conflict'
  | 'validation'
  | 'provider_unavailable'
  | 'network'
  | 'timeout'
  | 'malformed_response'
  /** This app's credentials or registration were refused: the operator must act, not the customer. */
  | 'misconfigured'
  /**
   * The provider no longer lets this app reach this ledger (its admin disconnected the app, the
   * subscription lapsed): only the customer reconnecting restores it. Xero 403
   * AuthorizationUnsuccessful, QuickBooks fault 3100 or 403.
   */
  | 'disconnected'
  | 'unknown';

const RETRYABLE: ReadonlySet<ConnectorErrorCode> = new Set([
  'rate_limited',
  'provider_unavailable',
  'network',
  'timeout',
]);

/** Typed provider failure: callers branch on `code`/`retryable`, never on message text. */
export class ConnectorError extends Error {
  readonly retryable: boolean;
  constructor(
    readonly code: ConnectorErrorCode,
    message: string,
    readonly opts: {
      provider: Provider;
      providerCode?: string;
      retryAfterMs?: number;
      status?: number;
      cause?: unknown;
    },
  ) {
    super(message, { cause: opts.cause });
    this.name = 'ConnectorError';
    this.retryable = RETRYABLE.has(code);
  }
  get provider() {
    return this.opts.provider;
  }
  get providerCode() {
    return this.opts.providerCode;
  }
  get retryAfterMs() {
    return this.opts.retryAfterMs;
  }
  get status() {
    return this.opts.status;
  }
}

/** Maps an HTTP status to a connector error code (shared by adapters). */
export function codeForStatus(status: number): ConnectorErrorCode {
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409 || status === 412) return 'conflict';
  if (status === 429) return 'rate_limited';
  if (status === 400 || status === 422) return 'validation';
  if (status >= 500) return 'provider_unavailable';
  return 'unknown';
}
