import { inArray, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { AppError } from '../errors.ts';
import type { Db } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';

export type Actor =
  | { type: 'user'; userId: string }
  | { type: 'token'; tokenId: string }
  | { type: 'system'; name: string };

/** What every use case runs with: the tenant, who is acting, and the I/O it may use. */
export type ServiceContext = {
  db: Db;
  firmId: string;
  actor: Actor;
  logger: Logger;
  clock: Clock;
  /** For members: the ledgers they may act on. Absent: the whole firm. */
  ledgerScope?: readonly string[];
  /**
   * In a request, which runs in one transaction (routes/firm-scope.ts): queues work for once that
   * transaction has committed, given a handle outside it. Absent: there is no such transaction.
   */
  afterCommit?: (fn: (db: Db) => Promise<void>) => void;
};

/**
 * Work that must not wait inside a request's transaction nor be undone with it (a call to the
 * provider, what it changed at the provider): after the commit in a request, at once elsewhere.
 */
export async function onceCommitted(ctx: ServiceContext, fn: (db: Db) => Promise<void>): Promise<void> {
  if (ctx.afterCommit) ctx.afterCommit(fn);
  else await fn(ctx.db);
}

/**
 * Refuses a ledger the acting member is not assigned to, for reading or changing alike: to them
 * it does not exist (404, as another firm's would), so its ids reveal nothing.
 */
export function assertCanAct(ctx: ServiceContext, ledgerId: string) {
  if (ctx.ledgerScope && !ctx.ledgerScope.includes(ledgerId))
    throw new AppError('not_found', 'not found among the ledgers you are assigned to');
}

/** For members: a condition keeping rows to their ledgers; undefined for the whole firm. */
export function inLedgerScope(ctx: Pick<ServiceContext, 'ledgerScope'>, column: AnyPgColumn): SQL | undefined {
  if (!ctx.ledgerScope) return undefined;
  return ctx.ledgerScope.length ? inArray(column, [...ctx.ledgerScope]) : sql`false`;
}
