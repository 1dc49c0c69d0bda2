import type { MirrorChange } from '../../../src/services/mirror-changes.ts';
import type { TestDeps } from '../deps.ts';

/** What the inbox job gets in production, with mirror changes recorded. */
export function inboxDepsFor(deps: TestDeps) {
  const changes: MirrorChange[] = [];
  const onChange = async (c: MirrorChange) => void changes.push(c);
  return {
    changes,
    inbox: {
      db: deps.database.db,
      clock: deps.clock,
      logger: deps.logger,
      resolve: deps.integrations.resolve,
      onChange,
    },
  };
}
