import { eq } from 'drizzle-orm';
import { createApp } from '../../../src/app.ts';
import { connection, ledger } from '../../../src/db/schema/index.ts';
import { createIntegrations } from '../../../src/services/integrations.ts';
import type { TestDatabase } from '../db.ts';
import { testConfig, testDeps } from '../deps.ts';
import { makeFirm, systemCtx } from '../factories.ts';
import { signedIn } from '../session.ts';
import type { XeroFake } from './fake.ts';

export function virtualLimiterClock() {
  let t = Date.now();
  return {
    now: () => t,
    sleep: async (ms: number) => {
      t += ms;
    },
  };
}

/** A firm with a Xero organisation connected through the real consent flow. */
export async function connectXero(database: TestDatabase, fake: XeroFake, env: Record<string, string> = {}) {
  fake.addUser('xu-1', 'owner@example.com');
  const tenant = fake.addTenant('xu-1', 'Harbour Dental Ltd', {
    timezone: 'NEWZEALANDSTANDARDTIME',
    country: 'NZ',
    currency: 'NZD',
  });
  const limiterClock = virtualLimiterClock();
  const config = testConfig({
    XERO_CLIENT_ID: fake.clientId,
    XERO_CLIENT_SECRET: fake.clientSecret,
    PUBLIC_URL: 'https://overdue.example.com',
    ...env,
  });
  const deps = await testDeps(database, { config, limiterClock });
  const app = createApp(deps);
  const firm = await makeFirm(database.db);
  const user = await signedIn(database.db, firm.id);
  const start = await app.request('/connect/xero', { headers: { cookie: user.cookie } });
  const cb = new URL(fake.consent(start.headers.get('location')!, 'xu-1'));
  const done = await app.request(`${cb.pathname}${cb.search}`, { headers: { cookie: user.cookie } });
  if (done.status !== 302) throw new Error(`connect failed: ${done.status} ${await done.text()}`);
  const [row] = await database.db.select().from(ledger).where(eq(ledger.firmId, firm.id));
  const [conn] = await database.db.select().from(connection).where(eq(connection.firmId, firm.id));
  const ctx = systemCtx(database.db, firm.id, deps.clock);
  /** A second, independent set of integrations: what another process would have. */
  const otherProcess = () =>
    createIntegrations({
      config,
      db: database.db,
      cipher: deps.cipher,
      clock: deps.clock,
      logger: deps.logger,
      limiterClock,
      random: () => 0.5,
    });
  return { deps, app, firm, user, tenant, ledger: row!, connection: conn!, ctx, limiterClock, otherProcess };
}
