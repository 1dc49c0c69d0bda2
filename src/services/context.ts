import type { Db } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';

export type Actor = { type: 'user'; userId: string } | { type: 'token'; tokenId: string } | { type: 'system'; name: string };

/** What every use case runs with: the tenant, who is acting, and the I/O it may use. */
export type ServiceContext = {
  db: Db;
  firmId: string;
  actor: Actor;
  logger: Logger;
  clock: Clock;
};

export type UseCase<I, O> = (args: { ctx: ServiceContext; input: I }) => Promise<O>;
