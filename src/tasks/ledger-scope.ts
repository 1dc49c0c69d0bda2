import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.ts';
import { asFirm } from '../db/isolation.ts';
import { ledger } from '../db/schema/index.ts';

/**
 * Runs one ledger's background work as a signed-in request runs (routes/firm-scope.ts): in one
 * transaction under row-level security for the ledger's firm, so a query that forgets its firm
 * filter cannot read or write another firm's rows, and a run that fails leaves nothing half-done.
 * Only for work that stays in the database: a provider call or a sent message inside the
 * transaction could not be rolled back with it. Undefined when the ledger is gone.
 */
export async function inLedgerFirm<T>(db: Db, ledgerId: string, fn: (tx: Db) => Promise<T>): Promise<T | undefined> {
  const [row] = await db.select({ firmId: ledger.firmId }).from(ledger).where(eq(ledger.id, ledgerId));
  if (!row) return undefined;
  return asFirm(db, row.firmId, fn);
}
