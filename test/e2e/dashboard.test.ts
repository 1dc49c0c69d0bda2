import { mkdirSync } from 'node:fs';
import { and, eq } from 'drizzle-orm';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactState, invoice, reminder } from '../../src/db/schema/index.ts';
import { type Running, startServer } from '../../src/server.ts';
import { ensureChromium } from '../support/chromium.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { captureLogger, testConfig } from '../support/deps.ts';
import { waitUntil } from '../support/wait.ts';

/**
 * The dashboard in a real browser (Debian's chromium, driven by playwright-core) against the
 * embedded default: demo firm, demo ledger in safe mode, captured mail. It never skips: see
 * ensureChromium.
 */
const SHOTS = 'test/artifacts/screenshots';

let database: TestDatabase;
let running: Running;
let browser: Browser;
let page: Page;
let base: string;

/** Every form control has a label (explicit, wrapping or aria-label), and text contrast is at least 4.5:1. */
async function accessibilityBasics(p: Page) {
  return p.evaluate(() => {
    const unlabelled = [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((el) => (el as HTMLInputElement).labels?.length === 0 && !el.getAttribute('aria-label'))
      .map((el) => el.outerHTML.slice(0, 80));
    const rgb = (s: string) => (s.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number);
    const lum = ([r, g, b]: number[]) => {
      const f = (byte: number) => {
        const v = byte / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const bg = (el: Element | null): number[] => {
      for (let e = el; e; e = e.parentElement) {
        const c = getComputedStyle(e).backgroundColor;
        if (c && !c.startsWith('rgba(0, 0, 0, 0)') && c !== 'transparent') return rgb(c);
      }
      return [255, 255, 255];
    };
    const low = [...document.querySelectorAll('main p, main td, main th, main a, main button, main label, header a')]
      .filter((el) => (el as HTMLElement).offsetParent !== null && el.textContent?.trim())
      .map((el) => {
        const a = lum(rgb(getComputedStyle(el).color));
        const b = lum(bg(el));
        return { text: el.textContent!.trim().slice(0, 30), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
      })
      .filter((x) => x.ratio < 4.5);
    return { unlabelled, low };
  });
}

// Found, or installed on a fresh machine, before any test of the file: never skipped.
const executablePath = ensureChromium();

describe('dashboard in chromium', () => {
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    database = await createTestDatabase();
    running = await startServer(testConfig({ DEMO_LEDGER: 'true', PORT: '0', TICK_INTERVAL_SECONDS: '3600' }), {
      database,
      logger: captureLogger(),
    });
    base = `http://127.0.0.1:${running.port}`;
    // The demo ledger syncs at start-up and plans reminders, which wait for approval (safe mode).
    await waitUntil(
      async () =>
        (await database.db.select().from(reminder).where(eq(reminder.status, 'awaiting_approval'))).length > 0,
      { what: 'a reminder awaiting approval', timeoutMs: 45_000, everyMs: 200 },
    );
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await running?.stop();
    await database?.drop();
  });

  it('signs in to the demo firm and shows the portfolio', async () => {
    // The embedded default signs a new user straight in to the demo firm.
    await page.goto(`${base}/`);
    await page.waitForURL(`${base}/`);
    await expect(page.getByRole('heading', { name: 'Portfolio' }).isVisible()).resolves.toBe(true);
    expect(await page.getByRole('link', { name: 'Demo Trading Ltd' }).count()).toBe(1);
    expect(await page.locator('#approvals').isVisible()).toBe(true);
    await page.screenshot({ path: `${SHOTS}/portfolio.png`, fullPage: true });
    expect(await accessibilityBasics(page)).toEqual({ unlabelled: [], low: [] });
    // Keyboard: the first Tab reaches the skip link, with a visible focus ring.
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => ({
      text: document.activeElement?.textContent,
      outline: getComputedStyle(document.activeElement!).outlineStyle,
    }));
    expect(focus).toEqual({ text: 'Skip to content', outline: 'solid' });
  });

  it('opens a ledger with its aging chart, DSO trend, at-risk customers and sync status', async () => {
    await page.getByRole('link', { name: 'Demo Trading Ltd' }).click();
    await page.waitForURL(/\/ledgers\//);
    expect(await page.getByRole('img', { name: /^Aged receivables:/ }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /^Days sales outstanding by month/ }).count()).toBe(1);
    expect(await page.getByRole('progressbar').count()).toBeGreaterThanOrEqual(4);
    expect(
      await page.locator('#atrisk ~ table tbody tr, section[aria-labelledby=atrisk] tbody tr').count(),
    ).toBeGreaterThan(0);
    await page.screenshot({ path: `${SHOTS}/ledger.png`, fullPage: true });
    expect(await accessibilityBasics(page)).toEqual({ unlabelled: [], low: [] });
  });

  it('pauses a customer from its page', async () => {
    await page.locator('section[aria-labelledby=atrisk] tbody tr a').first().click();
    await page.waitForURL(/\/customers\//);
    const contactId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByLabel('Pause reminders until').fill('2027-01-15');
    await page.getByRole('button', { name: 'Pause', exact: true }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toBe('reminders paused until 2027-01-15');
    const [state] = await database.db.select().from(contactState).where(eq(contactState.contactId, contactId));
    expect(state!.pausedUntil!.toISOString()).toBe('2027-01-16T00:00:00.000Z'); // end of 15 Jan in London (GMT)
    expect(await page.getByRole('button', { name: 'Resume reminders' }).count()).toBe(1);
    await page.screenshot({ path: `${SHOTS}/customer.png`, fullPage: true });
    expect(await accessibilityBasics(page)).toEqual({ unlabelled: [], low: [] });
  });

  it('edits a template and previews it', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Subject').fill('Overdue: {{invoice_numbers}} for {{contact_name}}');
    await page.getByLabel(/^Body/).fill('Dear {{contact_name}},\n\n{{statement}}\n\nPay here: {{pay_link}}');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#preview-subject').waitFor();
    expect(await page.locator('#preview-subject').textContent()).toBe('Overdue: INV-1001, INV-1009 for Alex Customer');
    expect(await page.locator('#preview-text').textContent()).toContain('Dear Alex Customer,');
    await page.getByLabel('Subject').fill('Hello {{no_such_thing}}');
    await page.getByRole('button', { name: 'Preview' }).click();
    expect(await page.getByRole('alert').textContent()).toBe(
      'template uses unknown placeholders: unknown placeholder {{no_such_thing}}',
    );
    await page.screenshot({ path: `${SHOTS}/settings.png`, fullPage: true });
    expect(await accessibilityBasics(page)).toEqual({ unlabelled: [], low: [] });
  });

  it('approves a queued reminder from the portfolio', async () => {
    await page.getByRole('link', { name: 'Portfolio' }).click();
    const box = page
      .locator('#approvals ~ section input[name=ids], section[aria-labelledby=approvals] input[name=ids]')
      .first();
    const id = await box.getAttribute('value');
    await box.check();
    await page.getByRole('button', { name: 'Approve selected reminders' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toBe('1 reminder approved');
    const [r] = await database.db.select().from(reminder).where(eq(reminder.id, id!));
    expect(r!.status).toBe('scheduled');
    await page.screenshot({ path: `${SHOTS}/approved.png`, fullPage: true });
  });

  it('signs out; the sign-in page then offers the demo firm again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin\?signedOut=1$/);
    expect(
      (
        await fetch(`${base}/`, {
          redirect: 'manual',
          headers: { cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ') },
        })
      ).status,
    ).toBe(303);
    await page.getByRole('link', { name: 'Open the demo firm' }).click();
    await page.waitForURL(`${base}/`);
  });

  it('refuses a form posted from another site', async () => {
    const res = await fetch(`${base}/ui/reminders/approve`, {
      method: 'POST',
      headers: {
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
        cookie: (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; '),
      },
      body: 'ids=x',
    });
    expect(res.status).toBe(403);
    const open = await database.db
      .select({ id: invoice.id })
      .from(invoice)
      .where(and(eq(invoice.status, 'open')))
      .limit(1);
    expect(open).toHaveLength(1);
  });
});
