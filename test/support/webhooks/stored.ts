import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../../src/db/client.ts';

/**
 * Every delivery body the inbox holds, wherever it is kept: on the event of a one-event delivery,
 * or once in webhook_delivery for a shared or quarantined body.
 */
export type StoredBody = {
  where: 'event' | 'delivery';
  rawBody: Uint8Array;
  headers: Record<string, string>;
  sha256: string;
  /** webhook_delivery only. */
  status?: string;
  error?: string | null;
  eventCount?: number;
};

type RawRow = {
  where: 'event' | 'delivery';
  raw_body: Uint8Array;
  headers: Record<string, string>;
  sha256: string;
  status: string | null;
  error: string | null;
  event_count: number | null;
};

export async function storedBodies(db: Db): Promise<StoredBody[]> {
  const rows = await queryRows<RawRow>(
    db,
    sql`select 'event' as "where", raw_body, headers, encode(sha256(raw_body), 'hex') as sha256, null as status, null as error, null::int as event_count
        from webhook_event where raw_body is not null
        union all
        select 'delivery', raw_body, headers, body_sha256, status::text, error, event_count from webhook_delivery`,
  );
  return rows.map((r) => ({
    where: r.where,
    rawBody: new Uint8Array(r.raw_body),
    headers: typeof r.headers === 'string' ? JSON.parse(r.headers) : r.headers,
    sha256: r.sha256,
    ...(r.where === 'delivery' ? { status: r.status!, error: r.error, eventCount: r.event_count! } : {}),
  }));
}

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** The stored copies of one body (a test expects exactly one). */
export async function copiesOf(db: Db, body: string | Uint8Array): Promise<StoredBody[]> {
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  return (await storedBodies(db)).filter((s) => same(s.rawBody, bytes));
}
