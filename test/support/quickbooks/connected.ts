import { eq } from 'drizzle-orm';
import type { SetupServer } from 'msw/node';
import { createApp } from '../../../src/app.ts';
import { ledger } from '../../../src/db/schema/index.ts';
import { syncLedger } from '../../../src/services/sync.ts';
import type { TestDatabase } from '../db.ts';
import { testConfig, testDeps } from '../deps.ts';
import { makeFirm, systemCtx } from '../factories.ts';
import { signedIn } from '../session.ts';
import { virtualLimiterClock } from '../xero/connected.ts';
import { QuickBooksFake } from './fake.ts';

/** A firm, a signed-in owner and a fake realm, ready to connect through the real consent flow. */
export async function quickBooksSetup(
  database: TestDatabase,
  server: SetupServer,
  realmId = '9130350000000001',
  env: Record<string, string> = {},
  /** An existing fake to add the realm to (its signing keys cost a fresh one a key generation). */
  existing?: QuickBooksFake,
) {
  const fake = existing ?? new QuickBooksFake();
  server.use(...fake.handlers());
  fake.addRealm(realmId, 'Riverside Joinery');
  const limiterClock = virtualLimiterClock();
  const config = testConfig({
    QUICKBOOKS_CLIENT_ID: fake.clientId,
    QUICKBOOKS_CLIENT_SECRET: fake.clientSecret,
    PUBLIC_URL: 'https://overdue.example.com',
    ...env,
  });
  const deps = await testDeps(database, { config, limiterClock });
  const app = createApp(deps);
  const firm = await makeFirm(database.db);
  const user = await signedIn(database.db, firm.id);
  const connect = async (realm = realmId) => {
    const start = await app.request('/connect/quickbooks', { headers: { cookie: user.cookie } });
    const cb = new URL(fake.consent(start.headers.get('location')!, realm));
    return app.request(`${cb.pathname}${cb.search}`, { headers: { cookie: user.cookie } });
  };
  const ledgerRow = async () => (await database.db.select().from(ledger).where(eq(ledger.firmId, firm.id)))[0]!;
  const ctx = systemCtx(database.db, firm.id, deps.clock);
  const sync = async () => {
    const l = await ledgerRow();
    return syncLedger({ ctx, input: { ledgerId: l.id } }, await deps.integrations.resolve(l));
  };
  return { fake, deps, app, firm, user, connect, ledgerRow, sync, ctx, realmId, limiterClock };
}
