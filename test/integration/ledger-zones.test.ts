import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';

/**
 * A ledger's zone decides when its reminders go out (issue 28, "Time zones"). QuickBooks does not
 * say a company's zone: its country and state decide it, a guess is shown as one, and the owner's
 * correction is kept.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

type Listed = { id: string; timezone: string; timezoneGuessed: boolean };

async function company(country: string, region?: string) {
  const q = await quickBooksSetup(database, server);
  Object.assign(q.fake.realms.get(q.realmId)!, { country, region });
  expect((await q.connect()).status).toBe(302);
  const listed = async () => {
    const res = await q.app.request('/api/v1/ledgers', { headers: { cookie: q.user.cookie } });
    return ((await res.json()) as { ledgers: Listed[] }).ledgers[0]!;
  };
  const patch = async (body: unknown) =>
    q.app.request(`/api/v1/ledgers/${(await q.ledgerRow()).id}`, {
      method: 'PATCH',
      headers: { cookie: q.user.cookie, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  return { ...q, listed, patch };
}

describe('the zone of a QuickBooks company', () => {
  it('comes from its state in the United States, and from its country elsewhere', async () => {
    const ca = await company('US', 'CA');
    expect(await ca.listed()).toMatchObject({ timezone: 'America/Los_Angeles', timezoneGuessed: false });
    await database.drop();
    database = await createTestDatabase();
    const fr = await company('FR');
    expect(await fr.listed()).toMatchObject({ timezone: 'Europe/Paris', timezoneGuessed: false });
  });

  it('is shown as a guess without a state; the owner corrects it, and a reconnect keeps the correction', async () => {
    const us = await company('US');
    const before = await us.listed();
    expect(before).toMatchObject({ timezone: 'America/New_York', timezoneGuessed: true });
    const res = await us.patch({ timezone: 'America/Denver' });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ timezone: 'America/Denver' });
    expect(await us.listed()).toMatchObject({ timezone: 'America/Denver', timezoneGuessed: false });
    expect((await us.connect()).status).toBe(302);
    expect(await us.listed()).toMatchObject({ timezone: 'America/Denver', timezoneGuessed: false });
  });

  it('refuses a zone nobody knows, with a clear error, and changes nothing', async () => {
    const us = await company('US', 'TX');
    const res = await us.patch({ timezone: 'Mars/Olympus_Mons' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toMatch(/not a known IANA time zone/);
    expect(await us.listed()).toMatchObject({ timezone: 'America/Chicago' });
  });
});
