import type { ExternalProvider } from '../connectors/types.ts';
import { type Database, dbError, preparedRows } from '../src/db/client.ts';
import { type InboxEvent, resourceFor } from './events.ts';
import { sha256 } from '../src/lib/secrets.ts';

export type WebhookProvider = ExternalProvider;

export type DeliveryInput = {
  provider: WebhookProvider;
  body: Uint8Array;
  headers: Record<string, string>;
  events: InboxEvent[];
  quarantine?: string;
  /** Why some events of the body were not taken (the others were): kept with the body. */
  rejected?: string;
  /** The service clock: receipt time and first due time use one clock with processing. */
  now: Date;
};

export type StoredDelivery = {
  /**
   * Events this delivery added to the inbox (duplicates of earlier deliveries are not in it).
   * `ignored` ones are settled on receipt: an entity overdue does not mirror (no reason), or an
   * account no active ledger is connected to (the reason says which).
   */
  created: { id: string; accountRef: string; status: 'received' | 'ignored'; reason: string | null }[];
};

/** Headers worth keeping as evidence; credentials and cookies are never stored. */
const DROP = new Set(['authorization', 'cookie', 'proxy-authorization']);
const keep = (out: Record<string, string>, name: string, value: string) => {
  if (DROP.has(name)) return;
  const v = value.slice(0, 1000);
  // A repeated header reads as one, comma-joined, as the Fetch Headers object presents it.
  out[name] = name in out ? `${out[name]}, ${v}`.slice(0, 1000) : v;
};

/**
 * From the Node request's raw header list when there is one: on @hono/node-server, walking the
 * web Headers object builds a full copy of it first, for every delivery.
 */
export function keptHeaders(headers: Headers | { rawHeaders: readonly string[] }): Record<string, string> {
  const out: Record<string, string> = {};
  if ('rawHeaders' in headers) {
    const raw = headers.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) keep(out, raw[i]!.toLowerCase(), raw[i + 1]!);
  } else {
    for (const [k, v] of headers) keep(out, k, v);
  }
  return out;
}

/** `digest`: the body's SHA-256, for a body kept in webhook_delivery; null for one kept on its event. */
type Prepared = { input: DeliveryInput; digest: string | null };
type Row = {
  id: string;
  provider: string;
  dedupe_key: string;
  account_ref: string;
  status: 'received' | 'ignored';
  error: string | null;
};

/** Why an event for an account no ledger is connected to is kept but never processed. */
export const UNKNOWN_TENANT = 'unknown tenant: no ledger is connected for this account';

/**
 * One statement per batch. A delivery of one event (the common case) is one row: the event,
 * carrying the delivery's bytes and headers. Bodies several events share, and quarantined ones,
 * are kept once in webhook_delivery (unique on their bytes) and their events point to them;
 * the events of a body already stored are not inserted again.
 */
const INSERT_BATCH = `
  with d as (
    insert into webhook_delivery (provider, body_sha256, raw_body, headers, received_at, event_count, status, error)
    select x.provider::provider, x.body_sha256, decode(x.raw_body, 'base64'), x.headers, x.received_at, x.event_count, x.status::webhook_status, x.error
    from jsonb_to_recordset($1::jsonb)
      as x(provider text, body_sha256 text, raw_body text, headers jsonb, received_at timestamptz, event_count int, status text, error text)
    on conflict (provider, body_sha256) do nothing
    returning id, provider, body_sha256
  )
  insert into webhook_event (delivery_id, raw_body, headers, provider, dedupe_key, account_ref, entity, entity_id, operation, occurred_at, payload, status, error, processed_at, received_at, next_attempt_at)
  select d.id, decode(e.raw_body, 'base64'), e.headers, e.provider::provider, e.dedupe_key, e.account_ref, e.entity, e.entity_id, e.operation, e.occurred_at, e.payload,
         case when v.queued then 'received' else 'ignored' end::webhook_status,
         case when not e.mirrored then null
              when t.status is null then '${UNKNOWN_TENANT}'
              when t.status <> 'active' then 'ledger is ' || t.status::text end,
         case when v.queued then null else e.received_at end,
         e.received_at, e.received_at
  from jsonb_to_recordset($2::jsonb)
    as e(body_sha256 text, raw_body text, headers jsonb, provider text, dedupe_key text, account_ref text, entity text, entity_id text, operation text,
         occurred_at timestamptz, payload jsonb, mirrored boolean, received_at timestamptz)
  left join d on d.body_sha256 = e.body_sha256 and d.provider::text = e.provider
  -- The account's ledger as it is now: an active one if any firm has it connected.
  left join lateral (
    select l.status from ledger l where l.provider = e.provider::provider and l.external_id = e.account_ref
    order by l.status = 'active' desc limit 1
  ) t on true
  -- Queued for processing, or settled as it is stored.
  cross join lateral (select e.mirrored and t.status is not distinct from 'active' as queued) v
  -- An event with its own bytes, or one whose shared body this statement stored.
  where e.raw_body is not null or d.id is not null
  on conflict (provider, dedupe_key) do nothing
  returning id, provider::text, dedupe_key, account_ref, status, error`;

/** A delivery of exactly one event keeps its bytes on the event row (see INSERT_BATCH). */
const ownBytes = (input: DeliveryInput) => input.events.length === 1 && !input.quarantine && !input.rejected;

/**
 * Commits deliveries and their events in one statement (all or nothing): an event is unique on
 * its dedupe key and a shared body on its bytes, so any number of concurrent replays leave one
 * row per event. Events for entities overdue does not mirror are stored `ignored`; a malformed
 * body is stored `quarantined` with its reason and no events.
 */
async function insertBatch(database: Database, batch: Prepared[]): Promise<Row[]> {
  const base64 = (body: Uint8Array) => Buffer.from(body).toString('base64');
  const deliveries = batch
    .filter(({ input }) => !ownBytes(input))
    .map(({ input, digest }) => ({
      provider: input.provider,
      body_sha256: digest,
      raw_body: base64(input.body),
      headers: input.headers,
      received_at: input.now.toISOString(),
      event_count: input.events.length,
      status: input.quarantine ? 'quarantined' : 'received',
      error: input.quarantine ?? input.rejected ?? null,
    }));
  const events = batch.flatMap(({ input, digest }) => {
    const own = ownBytes(input);
    return input.events.map((e) => ({
      body_sha256: own ? null : digest,
      raw_body: own ? base64(input.body) : null,
      headers: own ? input.headers : null,
      provider: input.provider,
      dedupe_key: e.dedupeKey,
      account_ref: e.accountRef,
      entity: e.entity,
      entity_id: e.entityId,
      operation: e.operation,
      occurred_at: e.occurredAt?.toISOString() ?? null,
      // A lone event is its body: read back from raw_body (webhooks/payload.ts), not sent twice.
      payload: own ? null : e.payload,
      mirrored: resourceFor(e.entity) !== null,
      received_at: input.now.toISOString(),
    }));
  });
  return preparedRows<Row>(database, INSERT_BATCH, [JSON.stringify(deliveries), JSON.stringify(events)]);
}

const prepare = (input: DeliveryInput): Prepared => ({ input, digest: ownBytes(input) ? null : sha256(input.body) });
/** Deliveries of one batch that would store the same rows: the same bytes, or the same lone event. */
const deliveryKey = (p: Prepared) =>
  p.digest ? `${p.input.provider}:${p.digest}` : `${p.input.provider}:event:${p.input.events[0]!.dedupeKey}`;

type CreatedRows = Map<string, Row>;
const eventKey = (provider: string, dedupeKey: string) => `${provider}\u0000${dedupeKey}`;
/** The rows a statement created, by event: looked up per delivery instead of scanned. */
const indexRows = (rows: Row[]): CreatedRows => new Map(rows.map((r) => [eventKey(r.provider, r.dedupe_key), r]));

/** Which of this delivery's events the batch created; a repeated body within one batch created none. */
function createdFor(p: Prepared, rows: CreatedRows, owner: boolean): StoredDelivery {
  if (!owner) return { created: [] };
  const created: StoredDelivery['created'] = [];
  for (const e of p.input.events) {
    const r = rows.get(eventKey(p.input.provider, e.dedupeKey));
    if (r) created.push({ id: r.id, accountRef: r.account_ref, status: r.status, reason: r.error });
  }
  return { created };
}

/** Postgres data exceptions (class 22, e.g. a \u0000 jsonb cannot hold): the body, not the database, is at fault. */
const isDataError = (err: unknown) => /^22/.test(dbError(err).code ?? '');

/** Stores one delivery; a body the database cannot hold as events is kept quarantined instead. */
export async function storeDelivery(db: Database, input: DeliveryInput): Promise<StoredDelivery> {
  const p = prepare(input);
  try {
    return createdFor(p, indexRows(await insertBatch(db, [p])), true);
  } catch (err) {
    if (!isDataError(err) || input.events.length === 0) throw err;
    const reason = `events could not be stored: ${dbError(err).message}`;
    const kept = { ...input, events: [], quarantine: reason };
    await insertBatch(db, [{ input: kept, digest: sha256(kept.body) }]);
    return { created: [] };
  }
}

type Pending = Prepared & { resolve(r: StoredDelivery): void; reject(e: unknown): void };

/** How long a wait for a statement slot keeps the writer `saturated` (see there). */
export const PRESSURE_WINDOW_MS = 100;
/** Weight of the newest batch in the smoothed batch time. */
const BATCH_EWMA = 0.3;

/**
 * Group commit for the webhook hot path. While fewer than `maxInFlight` statements run, a delivery
 * is written at once on its own; under load, deliveries that arrive meanwhile are written
 * together in the next statement. Every caller still gets its answer only after its own rows
 * are committed, so a 2xx keeps meaning "durably stored".
 */
// Two statements in flight measured best on a 2-core host (bench/webhook-ack.ts): more splits
// the same work into smaller batches that compete for the same cores.
export function createInboxWriter(
  db: Database,
  opts: { maxBatch?: number; maxInFlight?: number; now?: () => number } = {},
) {
  const maxBatch = opts.maxBatch ?? 200;
  // PGlite runs one statement at a time: a second batch in flight would only wait, holding
  // deliveries that could have joined the next batch (one statement for many deliveries).
  const maxInFlight = opts.maxInFlight ?? (db.kind === 'pglite' ? 1 : 2);
  const now = opts.now ?? (() => performance.now());
  // PGlite runs one statement at a time, on the event loop: batches in flight wait for each other.
  const parallel = db.kind === 'pglite' ? 1 : maxInFlight;
  const queue: Pending[] = [];
  let inFlight = 0;
  /** When a delivery last had to wait for a statement slot. */
  let waitedAt = -Infinity;
  /** How long a batch takes to commit, smoothed over recent batches (waits for the database included). */
  let batchMs = 0;

  const run = async (batch: Pending[]) => {
    const owners = new Map<string, Pending>();
    for (const p of batch) if (!owners.has(deliveryKey(p))) owners.set(deliveryKey(p), p);
    const started = now();
    try {
      const rows = indexRows(await insertBatch(db, [...owners.values()]));
      for (const p of batch) p.resolve(createdFor(p, rows, owners.get(deliveryKey(p)) === p));
    } catch {
      if (batch.length === 1) {
        storeDelivery(db, batch[0]!.input).then(batch[0]!.resolve, batch[0]!.reject);
        return;
      }
      // One bad delivery must not fail the others: write them one by one.
      for (const p of batch) storeDelivery(db, p.input).then(p.resolve, p.reject);
    } finally {
      const took = now() - started;
      batchMs = batchMs === 0 ? took : batchMs + BATCH_EWMA * (took - batchMs);
    }
  };
  const pump = () => {
    while (inFlight < maxInFlight && queue.length > 0) {
      const batch = queue.splice(0, maxBatch);
      inFlight++;
      void run(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  };
  return {
    /**
     * Receipt has all the database it can use: deliveries are waiting for a statement slot, or
     * were within the last PRESSURE_WINDOW_MS. Under load the queue empties each time a slot
     * frees (the whole queue becomes the next batch), so the moment alone reads idle about as
     * often as busy.
     */
    saturated: () => (queue.length > 0 && inFlight >= maxInFlight) || now() - waitedAt < PRESSURE_WINDOW_MS,
    /**
     * How long a delivery handed in now would wait for its commit: the batches ahead of it and its
     * own, at the recent batch time. Zero when nothing is queued or running, so an idle writer
     * always admits, however slow its last batch was.
     */
    expectedWaitMs(): number {
      if (queue.length === 0 && inFlight === 0) return 0;
      const batches = inFlight + Math.ceil((queue.length + 1) / maxBatch);
      return (batches * batchMs) / parallel;
    },
    store(input: DeliveryInput): Promise<StoredDelivery> {
      const p = prepare(input);
      return new Promise((resolve, reject) => {
        queue.push({ ...p, resolve, reject });
        pump();
        if (queue.length > 0) waitedAt = now();
      });
    },
  };
}

const writers = new WeakMap<Database, ReturnType<typeof createInboxWriter>>();
/** One writer per database handle, shared by every request of the process. */
export function inboxWriter(db: Database) {
  let w = writers.get(db);
  if (!w) {
    w = createInboxWriter(db);
    writers.set(db, w);
  }
  return w;
}
