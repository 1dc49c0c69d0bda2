import { type LedgerNotes, ledgerSettings } from '../domain/ledger-settings.ts';
import { and, eq, inArray, lte, sql } from 'drizzle-orm';
import { ConnectorError } from '../../connectors/types.ts';
import type { Db } from '../db/client.ts';
import { ledger, ledgerNote } from '../db/schema/index.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { ConnectorResolver } from './connectors.ts';

/**
 * History notes on the ledger's invoices, the only thing overdue writes back. They are queued
 * with what they record (a send, a hand-off) and written later in the budget's `note` lane:
 * a reminder costs its pre-send read, not a call per invoice it covers, and a busy or nearly
 * spent budget delays notes, never a stop or a send.
 */

export type NoteKind = 'reminder' | 'escalation' | 'handoff';

const keeps = (setting: LedgerNotes, kind: NoteKind) =>
  setting === 'all' || (setting === 'escalations' && kind !== 'reminder');

/** A reminder's note kind: firm and final words are escalations. */
export const reminderNoteKind = (templateKey: string): NoteKind =>
  templateKey === 'firm' || templateKey === 'final' ? 'escalation' : 'reminder';

/** Queues one note per invoice (in the caller's transaction), unless the ledger keeps none of this kind. */
export async function queueNotes(
  db: Pick<Db, 'insert'>,
  l: { id: string; firmId: string; settings: Record<string, unknown> },
  kind: NoteKind,
  invoiceExternalIds: string[],
  body: string,
  at: Date,
) {
  if (invoiceExternalIds.length === 0 || !keeps(ledgerSettings(l.settings).ledgerNotes, kind)) return;
  await db.insert(ledgerNote).values(
    invoiceExternalIds.map((invoiceExternalId) => ({
      firmId: l.firmId,
      ledgerId: l.id,
      invoiceExternalId,
      kind,
      body,
      nextAttemptAt: at,
      createdAt: at,
    })),
  );
}

const MAX_ATTEMPTS = 6;
/** A claimed note is left alone this long: a writer that died mid-call leaves it to the next. */
const LEASE_MS = 10 * 60_000;
const retryDelayMs = (attempt: number) => Math.min(60_000 * 4 ** (attempt - 1), 6 * 3_600_000);
/**
 * Several notes for one invoice go in one write, one per line (Xero makes each line a history
 * record of at most 250 characters; QuickBooks one Attachable note of at most 2,000).
 */
const MAX_NOTE = 2_500;

type NoteDeps = { db: Db; clock: Clock; logger: Logger; resolve: ConnectorResolver };
export type NotesRun = { written: number; failed: number; deferred: number };

/**
 * Writes due notes: claimed in one statement (SKIP LOCKED, so writers in several processes take
 * different notes), grouped per ledger, one call per invoice however many notes it has waiting.
 * A ledger whose daily budget is kept for stopping and sending has its notes moved to tomorrow.
 */
export async function writeLedgerNotes(deps: NoteDeps, opts: { limit?: number } = {}): Promise<NotesRun> {
  const now = deps.clock.now();
  const claimed = await deps.db
    .update(ledgerNote)
    .set({ nextAttemptAt: new Date(now.getTime() + LEASE_MS) })
    .where(
      inArray(
        ledgerNote.id,
        deps.db
          .select({ id: ledgerNote.id })
          .from(ledgerNote)
          .where(and(eq(ledgerNote.status, 'pending'), lte(ledgerNote.nextAttemptAt, now)))
          .orderBy(ledgerNote.nextAttemptAt)
          .limit(opts.limit ?? 200)
          .for('update', { skipLocked: true }),
      ),
    )
    .returning();
  const run: NotesRun = { written: 0, failed: 0, deferred: 0 };
  const byLedger = groupBy(claimed, (n) => n.ledgerId);
  for (const [ledgerId, notes] of byLedger) await writeForLedger(deps, ledgerId, notes, run);
  return run;
}

type Note = typeof ledgerNote.$inferSelect;

async function writeForLedger(deps: NoteDeps, ledgerId: string, notes: Note[], run: NotesRun) {
  const { db } = deps;
  const [l] = await db.select().from(ledger).where(eq(ledger.id, ledgerId));
  // Notes that cannot be written now wait an hour, never fail.
  const waitAnHour = async (reason: string | null) => {
    await defer(db, notes, new Date(deps.clock.now().getTime() + 3_600_000), reason);
    run.deferred += notes.length;
  };
  // Disconnected: the notes wait for the reconnect.
  if (l?.status !== 'active') return waitAnHour(null);
  let connector: Awaited<ReturnType<ConnectorResolver>>;
  try {
    connector = await deps.resolve(l, { lane: 'note' });
  } catch (err) {
    // The provider is not configured here (or the connection cannot be built).
    return waitAnHour((err as Error).message.slice(0, 500));
  }
  const byInvoice = [...groupBy(notes, (n) => n.invoiceExternalId)];
  for (let i = 0; i < byInvoice.length; i++) {
    const [invoiceId, group] = byInvoice[i]!;
    const text = group.map((n) => n.body).join('\n');
    try {
      // The first note's id: a retried write is recognised by Xero rather than written twice.
      await connector.addInvoiceNote(l.externalId, invoiceId, text.slice(0, MAX_NOTE), group[0]!.id);
      await db
        .update(ledgerNote)
        .set({ status: 'written', writtenAt: deps.clock.now(), error: null })
        .where(inArray(ledgerNote.id, ids(group)));
      run.written += group.length;
    } catch (err) {
      const e = err instanceof ConnectorError ? err : undefined;
      if (e?.code === 'rate_limited' && e.opts.retryAfterMs !== undefined && isDaily(e.opts.providerCode)) {
        // The day's budget is spent or kept for stopping and sending: this ledger's notes wait.
        const rest = byInvoice.slice(i).flatMap(([, g]) => g);
        await defer(
          db,
          rest,
          new Date(deps.clock.now().getTime() + e.opts.retryAfterMs),
          'waiting for the daily call budget',
        );
        run.deferred += rest.length;
        return;
      }
      const gaveUp = await failOrRetry(
        deps,
        group,
        e ? `${e.code}${e.opts.providerCode ? ` (${e.opts.providerCode})` : ''}` : 'failed',
        !!e && !e.retryable,
      );
      run[gaveUp ? 'failed' : 'deferred'] += group.length;
    }
  }
}

const ids = (notes: Note[]) => notes.map((n) => n.id);

/**
 * A refusal for the day: our own budget kept for stopping and sending (`daily`,
 * `daily_reserved`), or Xero's daily limit (X-Rate-Limit-Problem `day`).
 */
const isDaily = (providerCode: string | undefined) => providerCode === 'day' || !!providerCode?.startsWith('daily');

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const t of items) groups.set(key(t), [...(groups.get(key(t)) ?? []), t]);
  return groups;
}

async function defer(db: Db, notes: Note[], at: Date, error: string | null) {
  if (notes.length === 0) return;
  await db
    .update(ledgerNote)
    .set({ nextAttemptAt: at, error })
    .where(inArray(ledgerNote.id, ids(notes)));
}

/** Counts a failed attempt; after the last one (or a permanent refusal) the notes are failed. Says which. */
async function failOrRetry(deps: NoteDeps, notes: Note[], error: string, permanent: boolean): Promise<boolean> {
  const attempts = notes[0]!.attempts + 1;
  const give = permanent || attempts >= MAX_ATTEMPTS;
  await deps.db
    .update(ledgerNote)
    .set({
      status: give ? 'failed' : 'pending',
      attempts: sql`${ledgerNote.attempts} + 1`,
      error,
      nextAttemptAt: new Date(deps.clock.now().getTime() + retryDelayMs(attempts)),
    })
    .where(inArray(ledgerNote.id, ids(notes)));
  deps.logger.warn('ledger note not written', { ledgerId: notes[0]!.ledgerId, error, giveUp: give });
  return give;
}
