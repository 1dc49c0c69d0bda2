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
};

/** Refuses a change to a ledger the acting member is not assigned to. */
export function assertCanAct(ctx: ServiceContext, ledgerId: string) {
  if (ctx.ledgerScope && !ctx.ledgerScope.includes(ledgerId))
    throw new AppError('forbidden', 'you are not assigned to this ledger');
}
