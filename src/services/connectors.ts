import { DemoConnector } from '../../connectors/demo/connector.ts';
import type { AccountingConnector, ExternalProvider, Lane } from '../../connectors/types.ts';
import type { ledger } from '../db/schema/index.ts';
import { PreconditionError } from '../errors.ts';
import type { Clock } from '../lib/clock.ts';

type LedgerRow = typeof ledger.$inferSelect;
/**
 * The connector for a ledger; `lane` says why its calls are made (a webhook that may stop a
 * reminder, a send, a note, backfill), which decides who goes first when the budget is busy.
 */
export type ConnectorResolver = (row: LedgerRow, opts?: { lane?: Lane }) => Promise<AccountingConnector>;

type DemoSettings = { demoSeed: number; demoAnchor: string };

/**
 * Finds the connector for a ledger. Provider adapters register here as they are built; a ledger
 * whose provider is not configured gets a clear error rather than a crash.
 */
export function createConnectorResolver(deps: {
  clock: Clock;
  /** A connected provider's ledger (through its port); absent where only the demo runs. */
  connect?: (row: LedgerRow, provider: ExternalProvider, lane?: Lane) => Promise<AccountingConnector>;
}): ConnectorResolver {
  const demos = new Map<string, DemoConnector>();
  return async (row, opts) => {
    if (row.provider === 'demo') {
      const s = row.settings as Partial<DemoSettings>;
      if (typeof s.demoSeed !== 'number' || typeof s.demoAnchor !== 'string') {
        throw new PreconditionError('demo ledger has no seed/anchor settings');
      }
      const key = `${row.id}:${s.demoSeed}:${s.demoAnchor}`;
      let c = demos.get(key);
      if (!c) {
        c = new DemoConnector({ seed: s.demoSeed, anchor: s.demoAnchor, clock: deps.clock });
        demos.set(key, c);
      }
      return c;
    }
    if (!deps.connect) throw new PreconditionError(`${row.provider} is not configured on this server`);
    return deps.connect(row, row.provider, opts?.lane);
  };
}
