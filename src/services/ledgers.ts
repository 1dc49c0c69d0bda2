import { ledgerSettings } from '../domain/ledger-settings.ts';
import { and, eq, inArray, sql } from 'drizzle-orm';
import {
  connection,
  contact,
  creditNote,
  historyImport,
  invoice,
  ledger,
  payment,
  reminder,
  riskModel,
  riskScore,
  syncCursor,
} from '../db/schema/index.ts';
import { isValidTimeZone } from '../domain/dates.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { audit } from './audit.ts';
import { credentialsNotice } from './provider-health.ts';
import type { LedgerNotes } from '../domain/ledger-settings.ts';
import { ZONE_HOLD } from './reminders/gates.ts';
import { replanContacts } from './reminders/planning.ts';
import { assertCanAct, inLedgerScope, type ServiceContext } from './context.ts';

/** Ledgers the firm can see, with connection health and sync progress. */
export async function listLedgers({ ctx }: { ctx: ServiceContext; input?: undefined }) {
  const rows = await ctx.db
    .select()
    .from(ledger)
    .where(and(eq(ledger.firmId, ctx.firmId), inLedgerScope(ctx, ledger.id)))
    .orderBy(ledger.name);
  const cursors = rows.length
    ? await ctx.db
        .select()
        .from(syncCursor)
        .where(
          inArray(
            syncCursor.ledgerId,
            rows.map((r) => r.id),
          ),
        )
    : [];
  const connectionIds = [...new Set(rows.flatMap((r) => (r.connectionId ? [r.connectionId] : [])))];
  const connections = connectionIds.length
    ? await ctx.db
        .select({ id: connection.id, lastError: connection.lastError })
        .from(connection)
        .where(inArray(connection.id, connectionIds))
    : [];
  const lastErrorOf = new Map(connections.map((c) => [c.id, c.lastError]));
  return rows.map((r) => ({
    id: r.id,
    provider: r.provider,
    name: r.name,
    baseCurrency: r.baseCurrency,
    timezone: r.timezone,
    timezoneGuessed: ledgerSettings(r.settings).timezoneGuessed,
    country: r.country,
    status: r.status,
    statusReason: r.status === 'active' ? null : r.statusReason,
    pausedUntil: r.pausedUntil && r.pausedUntil > ctx.clock.now() ? r.pausedUntil.toISOString() : null,
    pauseReason: r.pausedUntil && r.pausedUntil > ctx.clock.now() ? r.pauseReason : null,
    providerNotice:
      r.status === 'active' && r.connectionId
        ? credentialsNotice(r.provider, lastErrorOf.get(r.connectionId) ?? null)
        : null,
    safeMode: r.safeMode,
    byRiskBand: ledgerSettings(r.settings).cadence.byRiskBand ?? {},
    sync: cursors
      .filter((c) => c.ledgerId === r.id)
      .map((c) => ({
        resource: c.resource,
        status: c.backfillStatus,
        pagesDone: c.pagesDone,
        pagesEstimated: c.pagesEstimated,
        itemsDone: c.itemsDone,
        lastRunAt: c.lastRunAt?.toISOString() ?? null,
        lastError: c.lastError,
      })),
  }));
}

/** One ledger of the firm (404 otherwise), or all of them by name. */
export async function ledgersOf(ctx: ServiceContext, ledgerId?: string): Promise<(typeof ledger.$inferSelect)[]> {
  if (ledgerId) return [await getLedger(ctx, ledgerId)];
  return ctx.db
    .select()
    .from(ledger)
    .where(and(eq(ledger.firmId, ctx.firmId), inLedgerScope(ctx, ledger.id)))
    .orderBy(ledger.name);
}

export async function getLedger(ctx: ServiceContext, ledgerId: string) {
  const [row] = await ctx.db
    .select()
    .from(ledger)
    .where(and(eq(ledger.id, ledgerId), eq(ledger.firmId, ctx.firmId)));
  if (!row) throw new NotFoundError('ledger');
  assertCanAct(ctx, row.id);
  return row;
}

/** Safe mode on: every planned reminder waits for approval. Off: they go on schedule. */
/** Changes what is named; safe mode replans, the notes setting applies to notes queued from now on. */
export async function updateLedgerSettings({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId: string; safeMode?: boolean; ledgerNotes?: LedgerNotes; timezone?: string };
}) {
  const row = await getLedger(ctx, input.ledgerId);
  if (input.timezone !== undefined && !isValidTimeZone(input.timezone))
    throw new ValidationError(`${input.timezone || 'an empty name'} is not a known time zone (e.g. Europe/Paris)`, [
      { path: 'timezone', message: 'not a known IANA time zone' },
    ]);
  // A guessed zone sent back unchanged is the owner confirming it.
  if (
    input.timezone !== undefined &&
    (input.timezone !== row.timezone || ledgerSettings(row.settings).timezoneGuessed)
  ) {
    const now = ctx.clock.now();
    // The owner's word on the zone: kept over the provider's (or our) guess, across reconnects.
    await ctx.db
      .update(ledger)
      .set({
        timezone: input.timezone,
        settings: sql`${ledger.settings} || ${JSON.stringify({ timezoneSetBy: 'owner', timezoneGuessed: false })}::jsonb`,
        updatedAt: now,
      })
      .where(eq(ledger.id, row.id));
    // What waited for a known zone goes on the next tick, in the debtor's window by this zone.
    const released = await ctx.db
      .update(reminder)
      .set({ dueAt: now, statusReason: null, updatedAt: now })
      .where(and(eq(reminder.ledgerId, row.id), eq(reminder.status, 'scheduled'), eq(reminder.statusReason, ZONE_HOLD)))
      .returning({ id: reminder.id });
    await audit(
      ctx,
      'ledger.timezone',
      { type: 'ledger', id: row.id },
      { from: row.timezone, to: input.timezone, released: released.length },
    );
  }
  if (input.ledgerNotes !== undefined && input.ledgerNotes !== ledgerSettings(row.settings).ledgerNotes) {
    await ctx.db
      .update(ledger)
      .set({
        settings: sql`${ledger.settings} || ${JSON.stringify({ ledgerNotes: input.ledgerNotes })}::jsonb`,
        updatedAt: ctx.clock.now(),
      })
      .where(eq(ledger.id, row.id));
    await audit(ctx, 'ledger.notes', { type: 'ledger', id: row.id }, { ledgerNotes: input.ledgerNotes });
  }
  if (input.safeMode !== undefined) await setSafeMode({ ctx, input: { ledgerId: row.id, safeMode: input.safeMode } });
  return {
    ledgerId: row.id,
    safeMode: input.safeMode ?? row.safeMode,
    ledgerNotes: input.ledgerNotes ?? ledgerSettings(row.settings).ledgerNotes,
    timezone: input.timezone ?? row.timezone,
  };
}

export async function setSafeMode({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { ledgerId: string; safeMode: boolean };
}) {
  const row = await getLedger(ctx, input.ledgerId);
  await ctx.db
    .update(ledger)
    .set({ safeMode: input.safeMode, updatedAt: ctx.clock.now() })
    .where(eq(ledger.id, row.id));
  await audit(ctx, 'ledger.safe_mode', { type: 'ledger', id: row.id }, { safeMode: input.safeMode });
  // Planned reminders take the new mode now, not at their next change.
  const contacts = await ctx.db.select({ id: contact.id }).from(contact).where(eq(contact.ledgerId, row.id));
  await replanContacts(
    ctx,
    contacts.map((c) => c.id),
  );
  return { ledgerId: row.id, safeMode: input.safeMode };
}

/** Removes everything mirrored from a ledger; the ledger row stays (disconnected) for history. */
export async function purgeLedger({ ctx, input }: { ctx: ServiceContext; input: { ledgerId: string } }) {
  const row = await getLedger(ctx, input.ledgerId);
  const counts = await ctx.db.transaction(async (tx) => {
    const del = async (table: typeof invoice | typeof contact | typeof payment | typeof creditNote) =>
      (await tx.delete(table).where(eq(table.ledgerId, row.id)).returning({ id: table.id })).length;
    const result = {
      invoices: await del(invoice),
      payments: await del(payment),
      creditNotes: await del(creditNote),
      contacts: await del(contact),
    };
    await tx.delete(riskScore).where(eq(riskScore.ledgerId, row.id));
    await tx.delete(riskModel).where(eq(riskModel.ledgerId, row.id));
    // Imported history is the customers' payment record too: it goes with the mirror (rows cascade).
    await tx.delete(historyImport).where(eq(historyImport.ledgerId, row.id));
    await tx.delete(syncCursor).where(eq(syncCursor.ledgerId, row.id));
    return result;
  });
  await audit(ctx, 'ledger.purged', { type: 'ledger', id: row.id }, counts);
  return counts;
}
