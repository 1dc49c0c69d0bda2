import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import type { Resource } from '../../connectors/types.ts';
import { anyOf } from '../db/array-param.ts';
import { type Db, queryRows } from '../db/client.ts';
import { invoice, invoiceHold } from '../db/schema/index.ts';
import { invoicesAllocatedBy } from './invoice-refresh.ts';

/**
 * Holds: the moment a webhook names an invoice (or a payment or credit the mirror knows is
 * allocated to it), its reminders stop going out, with one database statement and no provider
 * call. The read that follows decides: paid, the reminders are cancelled by replanning; not, the
 * hold is released. A reminder whose own pre-send read began after the hold was set is not held:
 * that read already saw the change the webhook announced.
 */

type Named = { resource: Resource; externalId: string };

/** Holds the mirrored invoices these webhook items name or are allocated to; returns their ids. */
export async function holdNamed(db: Db, ledgerId: string, items: Named[], at: Date): Promise<string[]> {
  const named = items.filter((i) => i.resource === 'invoices').map((i) => i.externalId);
  for (const resource of ['payments', 'credit_notes'] as const) {
    const ids = items.filter((i) => i.resource === resource).map((i) => i.externalId);
    if (ids.length) named.push(...(await invoicesAllocatedBy(db, ledgerId, resource, ids)));
  }
  if (named.length === 0) return [];
  const rows = await db
    .insert(invoiceHold)
    .select(
      db
        .select({
          invoiceId: invoice.id,
          firmId: invoice.firmId,
          ledgerId: invoice.ledgerId,
          heldAt: sql`${at.toISOString()}::timestamptz`.as('held_at'),
        })
        .from(invoice)
        .where(and(eq(invoice.ledgerId, ledgerId), anyOf(invoice.externalId, [...new Set(named)]))),
    )
    .onConflictDoUpdate({
      target: invoiceHold.invoiceId,
      set: { heldAt: sql`greatest(${invoiceHold.heldAt}, excluded.held_at)` },
    })
    .returning({ invoiceId: invoiceHold.invoiceId });
  return rows.map((r) => r.invoiceId);
}

/** Releases holds set up to `upTo` (a later webhook's hold stays until its own read). */
export async function releaseHolds(db: Db, invoiceIds: string[], upTo: Date) {
  if (invoiceIds.length === 0) return;
  await db.delete(invoiceHold).where(and(inArray(invoiceHold.invoiceId, invoiceIds), lte(invoiceHold.heldAt, upTo)));
}

/** SQL: none of these invoices was held at or after `readAt` (a condition on the send's own claim). */
export const notHeldSince = (invoiceIds: string[], readAt: Date) =>
  sql`not exists (select 1 from ${invoiceHold} where ${anyOf(invoiceHold.invoiceId, invoiceIds, 'uuid')} and ${invoiceHold.heldAt} >= ${readAt.toISOString()}::timestamptz)`;

/** Whether any of these invoices was held at or after `readAt` (the start of the read a send relies on). */
export async function heldSince(db: Db, invoiceIds: string[], readAt: Date): Promise<boolean> {
  if (invoiceIds.length === 0) return false;
  const [row] = await queryRows<{ free: boolean }>(db, sql`select ${notHeldSince(invoiceIds, readAt)} as free`);
  return !row!.free;
}
