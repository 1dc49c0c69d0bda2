import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { useMsw } from '../support/msw.ts';
import { quickBooksSetup } from '../support/quickbooks/connected.ts';
import { cookieOf, signInFlow } from '../support/signin.ts';

/**
 * The way in from the app stores (issue 28, "App-store flows"): a store launch without a session
 * used to answer a JSON 401, the empty portfolio named Xero and QuickBooks without a link, no page
 * offered Connect, Reconnect or Disconnect, and Intuit's listing had no Launch, Reconnect or
 * Disconnect URLs.
 */
const server = useMsw();
let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

const origin = 'https://overdue.example.com';

describe('app-store entry points', () => {
  it('a launch or a connect link without a session goes to sign-in and comes back, never to a JSON error', async () => {
    const q = await quickBooksSetup(database, server);
    const connect = await q.app.request('/connect/quickbooks');
    expect(connect.status).toBe(303);
    expect(connect.headers.get('location')).toBe('/signin?next=%2Fconnect%2Fquickbooks');
    for (const step of ['launch', 'reconnect']) {
      const res = await q.app.request(`/apps/quickbooks/${step}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe('/auth/quickbooks?next=%2Fconnect%2Fquickbooks');
      const signedIn = await q.app.request(`/apps/quickbooks/${step}`, { headers: { cookie: q.user.cookie } });
      expect(signedIn.headers.get('location')).toBe('/connect/quickbooks');
    }
    const gone = await q.app.request('/apps/quickbooks/disconnected');
    expect(gone.status).toBe(200);
    expect(await gone.text()).toContain('href="/apps/quickbooks/reconnect"');
    expect((await q.app.request('/apps/sage/launch')).status).toBe(404);
  });

  it('"Sign up with Intuit": a first sign-in makes the firm and goes straight on to connecting the company', async () => {
    const q = await quickBooksSetup(database, server);
    q.fake.people.set('intuit-new', { email: 'new@riverside.example', verified: true });
    const flow = signInFlow(q.app, 'quickbooks');
    const { url, browser } = await flow.start('/connect/quickbooks');
    const res = await flow.finish(q.fake.signIn(url, 'intuit-new'), browser);
    expect(res.headers.get('location')).toBe('/connect/quickbooks');
    // Even from a store link that named no next page.
    q.fake.people.set('intuit-newer', { email: 'newer@riverside.example', verified: true });
    const plain = await flow.start('/');
    const first = await flow.finish(q.fake.signIn(plain.url, 'intuit-newer'), plain.browser);
    expect(first.headers.get('location')).toBe('/connect/quickbooks');
    const session = cookieOf(first, 'overdue_session')!;
    const consent = await q.app.request('/connect/quickbooks', { headers: { cookie: session } });
    expect(consent.status).toBe(302);
    expect(consent.headers.get('location')).toMatch(/^https:\/\/appcenter\.intuit\.com\//);
  });
});

describe('the Connections page', () => {
  it('lists every organisation with its state and zone, and disconnects one from a form', async () => {
    const q = await quickBooksSetup(database, server);
    const empty = await q.app.request('/', { headers: { cookie: q.user.cookie } });
    expect(await empty.text()).toContain('<a href="/connections">Connect Xero or QuickBooks</a>');
    expect((await q.connect()).status).toBe(302);
    const page = await (await q.app.request('/connections', { headers: { cookie: q.user.cookie } })).text();
    expect(page).toContain('href="/connect/quickbooks"');
    expect(page).toContain('Riverside Joinery');
    expect(page).toContain('America/New_York (guessed from the country');
    const l = await q.ledgerRow();
    // The owner confirms or corrects the zone on the page; a name no zone has is refused, kept as it was.
    const setZone = (timezone: string) =>
      q.app.request(`/ui/connections/ledgers/${l.id}/timezone`, {
        method: 'POST',
        headers: { cookie: q.user.cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ timezone }).toString(),
      });
    expect(page).toContain(`action="/ui/connections/ledgers/${l.id}/timezone"`);
    const wrong = await setZone('America/Springfield');
    expect(decodeURIComponent(wrong.headers.get('location')!)).toContain(
      'error=America/Springfield is not a known time zone',
    );
    expect(await q.ledgerRow()).toMatchObject({ timezone: 'America/New_York' });
    expect((await setZone('America/Chicago')).headers.get('location')).toBe(
      '/connections?notice=time%20zone%20set%20to%20America%2FChicago',
    );
    expect(await q.ledgerRow()).toMatchObject({
      timezone: 'America/Chicago',
      settings: expect.objectContaining({ timezoneSetBy: 'owner', timezoneGuessed: false }),
    });
    const confirmed = await (await q.app.request('/connections', { headers: { cookie: q.user.cookie } })).text();
    expect(confirmed).not.toContain('guessed from the country');
    expect(page).toContain(`action="/ui/connections/ledgers/${l.id}/disconnect"`);

    const off = await q.app.request(`/ui/connections/ledgers/${l.id}/disconnect`, {
      method: 'POST',
      headers: { cookie: q.user.cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(off.status).toBe(303);
    expect(off.headers.get('location')).toBe(
      '/connections?notice=disconnected%3B%20access%20revoked%20at%20the%20provider',
    );
    expect(await q.ledgerRow()).toMatchObject({ status: 'disconnected' });
    expect(q.fake.revoked).toHaveLength(1);
    const after = await (await q.app.request('/connections', { headers: { cookie: q.user.cookie } })).text();
    expect(after).toContain('disconnected in overdue: connect it again to resume reminders');
    expect(after).toContain('>Reconnect</a>');
    // A page elsewhere cannot post the form.
    const forged = await q.app.request(`/ui/connections/ledgers/${l.id}/disconnect`, {
      method: 'POST',
      headers: {
        cookie: q.user.cookie,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: '',
    });
    expect(forged.status).toBe(403);
  });
});
