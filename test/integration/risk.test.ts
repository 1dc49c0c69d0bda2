import { and, eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { replanOnChange, rescoreOnChange } from '../../src/services/background.ts';
import { invoice, ledger, reminderItem, riskModel, riskScore } from '../../src/db/schema/index.ts';
import { addDays, zonedTimeToInstant } from '../../src/domain/dates.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { inOrder } from '../../src/services/mirror-changes.ts';
import { loadHistory } from '../../src/services/risk/history.ts';
import { rescoreLedger } from '../../src/services/risk/scoring.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeFirm, makeInvoice } from '../support/factories.ts';
import { RISK_TODAY, riskWorld } from '../support/risk.ts';
import { signedIn } from '../support/session.ts';

let database: TestDatabase;
beforeEach(async () => {
  database = await createTestDatabase();
});
afterEach(() => database.drop());

async function setup() {
  const w = await riskWorld(database.db);
  const deps = { db: database.db, clock: w.clock, logger: silentLogger };
  const app = createApp(await testDeps(database, { clock: w.clock }));
  const user = await signedIn(database.db, w.firm.id);
  const call = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    app.request(`/api/v1${path}`, { method, headers: { cookie: user.cookie, ...headers }, body });
  return { ...w, deps, app, user, call };
}

const scoreOf = async (subjectId: string) =>
  (await database.db.select().from(riskScore).where(eq(riskScore.subjectId, subjectId)))[0];

describe('risk scoring in the service', () => {
  it('scores every customer and open invoice, stores the model, and lists the riskiest first with reasons', async () => {
    const s = await setup();
    const open = await database.db
      .select()
      .from(invoice)
      .where(and(eq(invoice.ledgerId, s.ledger.id), eq(invoice.status, 'open')));
    const result = await rescoreLedger(s.deps, s.ledger.id);
    expect(result).toMatchObject({ contacts: s.contacts.length, invoices: open.length });
    expect(result.modelVersion).toMatch(/^lr-l2-v1@2026-11-20\/\d+$/);
    const [model] = await database.db.select().from(riskModel).where(eq(riskModel.ledgerId, s.ledger.id));
    expect(model!.version).toBe(result.modelVersion);

    const res = await s.call('GET', `/ledgers/${s.ledger.id}/risk`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.model.version).toBe(result.modelVersion);
    expect(body.contacts).toHaveLength(s.contacts.length);
    const pLates = body.contacts.map((c: { pLate: number }) => c.pLate);
    expect(pLates).toEqual([...pLates].sort((a, b) => b - a));
    const rank = (behaviour: string) => body.contacts.findIndex((c: { name: string }) => c.name.startsWith(behaviour));
    expect(rank('defaulter')).toBeLessThan(rank('prompt'));
    expect(rank('slow')).toBeLessThan(rank('early'));
    const worst = body.contacts[0];
    expect(worst.band).toBe('high');
    expect(worst.reasons[0].text).toMatch(
      /^(paid \d+ of the last \d+ invoices late, \d+ days on average|\d+ invoices? overdue now, the oldest \d+ days)$/,
    );

    // Beside the scores: how the same method did on the ledger's own recent invoices, and how
    // the customers spread over the bands.
    const e = body.model.evaluation;
    expect(e.testedFrom < RISK_TODAY).toBe(true);
    expect(e.n).toBeGreaterThanOrEqual(50);
    expect(e.calibration.reduce((n: number, b: { n: number }) => n + b.n, 0)).toBe(e.n);
    expect(e.auc).toBeGreaterThan(e.baselineAuc);
    expect(e.auc).toBeLessThan(1);
    const perBand = (b: string) => body.contacts.filter((c: { band: string }) => c.band === b).length;
    expect(body.bands).toEqual({ high: perBand('high'), medium: perBand('medium'), low: perBand('low') });
    const page = await (await s.app.request(`/ledgers/${s.ledger.id}`, { headers: { cookie: s.user.cookie } })).text();
    expect(page).toContain('How reliable the risk scores are');
    expect(page).toMatch(new RegExp(`Tested on the ${e.n} invoices issued since \\d+ \\w+ 2026`));
    expect(page).toContain(`ranked above a punctual one ${Math.round(e.auc * 100)}% of the time`);

    const high = await s.call('GET', `/ledgers/${s.ledger.id}/risk?band=high`);
    expect((await high.json()).contacts.every((c: { band: string }) => c.band === 'high')).toBe(true);

    const defaulter = s.contactOf('defaulter')[0]!;
    const one = await (await s.call('GET', `/contacts/${defaulter.id}/risk`)).json();
    expect(one.score.band).toBe('high');
    expect(one.invoices.length).toBeGreaterThan(0);
    for (const i of one.invoices) {
      expect(i.score.pLate).toBeGreaterThanOrEqual(i.score.pVeryLate);
      expect(i.score.pVeryLate).toBeGreaterThanOrEqual(i.score.pSevere);
      if (i.score.predictedPayDate === null) {
        expect(i.score.pPaidWithin90).toBeLessThan(0.3);
        continue;
      }
      expect(i.score.predictedPayDate >= RISK_TODAY).toBe(true);
      // A range, not one guess: from ≤ median ≤ to, and the chance of payment within 90 days.
      expect(i.score.payDateFrom <= i.score.predictedPayDate).toBe(true);
      if (i.score.payDateTo) expect(i.score.predictedPayDate <= i.score.payDateTo).toBe(true);
      expect(i.score.pPaidWithin90).toBeGreaterThanOrEqual(0.3);
    }
    const customerPage = await (
      await s.app.request(`/customers/${defaulter.id}`, { headers: { cookie: s.user.cookie } })
    ).text();
    expect(customerPage).toMatch(
      /pays ~\d+ \w+ 2026 \(likely \d+ \w+ 2026 – |unlikely to pay without action \(\d+% chance within 90 days\)/,
    );
  });

  it('rescores only the contact a change touches, with the stored model, and drops a paid invoice’s score', async () => {
    const s = await setup();
    await rescoreLedger(s.deps, s.ledger.id);
    const prompt = s.contactOf('prompt')[0]!;
    const other = s.contactOf('slow')[0]!;
    const otherBefore = await scoreOf(other.id);
    const before = await scoreOf(prompt.id);
    // Three invoices of a prompt payer, each paid 40 days late: news that must move its score.
    const later = { ...s.deps, clock: fixedClock(`${RISK_TODAY}T15:00:00Z`) };
    const fresh = [];
    for (const k of [1, 2, 3]) {
      const due = addDays(RISK_TODAY, -45 - k * 7);
      fresh.push(
        await makeInvoice(
          database.db,
          { ...prompt, ledgerId: s.ledger.id },
          {
            issueDate: addDays(due, -30),
            dueDate: due,
            status: 'paid',
            total: '500.0000',
            amountDue: '0',
            amountPaid: '500.0000',
            paidAt: zonedTimeToInstant(addDays(due, 40), '12:00', 'Europe/London'),
          },
        ),
      );
    }
    const openOne = await makeInvoice(
      database.db,
      { ...prompt, ledgerId: s.ledger.id },
      { issueDate: RISK_TODAY, dueDate: addDays(RISK_TODAY, 30), total: '800.0000', amountDue: '800.0000' },
    );
    await rescoreOnChange(later)({
      firmId: s.firm.id,
      ledgerId: s.ledger.id,
      invoiceIds: [...fresh.map((f) => f.id), openOne.id],
      contactIds: [],
      source: 'webhook',
    });
    const after = await scoreOf(prompt.id);
    expect(Number(after!.pLate)).toBeGreaterThan(Number(before!.pLate));
    expect(after!.computedAt.toISOString()).toBe(`${RISK_TODAY}T15:00:00.000Z`);
    expect(after!.modelVersion).toBe(before!.modelVersion); // the stored model, not a refit
    expect(await scoreOf(openOne.id)).toBeDefined();
    // Someone else's score is untouched.
    expect((await scoreOf(other.id))!.computedAt).toEqual(otherBefore!.computedAt);

    // The open invoice is paid: its own score goes, the contact's is refreshed.
    await database.db
      .update(invoice)
      .set({ status: 'paid', amountDue: '0', paidAt: new Date(`${RISK_TODAY}T14:00:00Z`) })
      .where(eq(invoice.id, openOne.id));
    await rescoreOnChange(later)({
      firmId: s.firm.id,
      ledgerId: s.ledger.id,
      invoiceIds: [openOne.id],
      contactIds: [],
      source: 'webhook',
    });
    expect(await scoreOf(openOne.id)).toBeUndefined();
  });

  it('refits a stored model once it is a day old', async () => {
    const s = await setup();
    const first = await rescoreLedger(s.deps, s.ledger.id);
    const prompt = s.contactOf('prompt')[0]!;
    const change = {
      firmId: s.firm.id,
      ledgerId: s.ledger.id,
      invoiceIds: [],
      contactIds: [prompt.id],
      source: 'sync' as const,
    };
    await rescoreOnChange({ ...s.deps, clock: fixedClock('2026-11-21T11:00:00Z') })(change);
    expect((await scoreOf(prompt.id))!.modelVersion).toBe(first.modelVersion);
    await rescoreOnChange({ ...s.deps, clock: fixedClock('2026-11-21T12:00:01Z') })(change);
    expect((await scoreOf(prompt.id))!.modelVersion).toBe(first.modelVersion.replace('2026-11-20', '2026-11-21'));
  });

  it('drives cadence assignment: a high-risk customer is chased on the ledger’s firm policy', async () => {
    const s = await setup();
    await database.db
      .update(ledger)
      .set({ settings: { cadence: { byRiskBand: { high: 'firm' } } } })
      .where(eq(ledger.id, s.ledger.id));
    const defaulter = s.contactOf('defaulter')[0]!;
    const prompt = s.contactOf('prompt')[0]!;
    const due = addDays(RISK_TODAY, 12);
    const a = await makeInvoice(
      database.db,
      { ...defaulter, ledgerId: s.ledger.id },
      { issueDate: RISK_TODAY, dueDate: due, total: '100.0000', amountDue: '100.0000' },
    );
    const b = await makeInvoice(
      database.db,
      { ...prompt, ledgerId: s.ledger.id },
      { issueDate: RISK_TODAY, dueDate: due, total: '100.0000', amountDue: '100.0000' },
    );
    // Scores first, then replanning reads them: the order the service wires the two handlers in.
    const onChange = inOrder([rescoreOnChange(s.deps), replanOnChange(s.deps)], silentLogger);
    await onChange({
      firmId: s.firm.id,
      ledgerId: s.ledger.id,
      invoiceIds: [a.id, b.id],
      contactIds: [],
      source: 'webhook',
    });
    expect((await scoreOf(defaulter.id))!.band).toBe('high');
    expect((await scoreOf(prompt.id))!.band).not.toBe('high');
    const step = async (invoiceId: string) =>
      (await database.db.select().from(reminderItem).where(eq(reminderItem.invoiceId, invoiceId)))[0]?.stepKey;
    expect(await step(a.id)).toBe('pre-5');
    expect(await step(b.id)).toBe('pre-3');
  });
});

describe('history CSV import', () => {
  const header = 'customer_id,invoice_id,issue_date,due_date,amount,currency,paid_date,disputed';

  it('rejects a bad file with one error per bad row and imports nothing', async () => {
    const s = await setup();
    const csv = [
      header,
      'x1,old-1,2024-01-05,2024-02-04,100.00,GBP,2024-02-10,no',
      'x1,old-2,2024-02-31,2024-03-04,100.00,GBP,,no',
      'x2,old-3,2024-03-05,2024-04-04,-5,GBP,,maybe',
    ].join('\n');
    const res = await s.call('POST', `/ledgers/${s.ledger.id}/history-imports`, csv, { 'content-type': 'text/csv' });
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('nothing was imported');
    expect(body.error.issues).toEqual([
      { path: 'line 3, issue_date', message: 'a date like 2026-01-31' },
      { path: 'line 4, amount', message: 'a positive decimal like 1250.00' },
      { path: 'line 4, disputed', message: 'yes or no' },
    ]);
    const list = await (await s.call('GET', `/ledgers/${s.ledger.id}/history-imports`)).json();
    expect(list.imports).toEqual([]);
    expect(
      (await s.call('POST', `/ledgers/${s.ledger.id}/history-imports`, '{}', { 'content-type': 'application/json' }))
        .status,
    ).toBe(400);
  });

  it('imports all rows in one go, re-imports replace, and a matching customer’s score learns from them', async () => {
    const s = await setup();
    await rescoreLedger(s.deps, s.ledger.id);
    const early = s.contactOf('early')[0]!;
    const before = await scoreOf(early.id);
    // Older history from a previous system: this customer used to pay very late.
    const rows = Array.from({ length: 12 }, (_, k) => {
      const issue = addDays('2023-01-10', k * 30);
      return `${early.externalId},legacy-${k},${issue},${addDays(issue, 30)},250.00,GBP,${addDays(issue, 75)},no`;
    });
    const mirrored = (await database.db.select().from(invoice).where(eq(invoice.contactId, early.id)))[0]!;
    rows.push(`${early.externalId},${mirrored.externalId},2023-01-01,2023-01-31,999.00,GBP,2023-06-30,no`);
    const csv = `${header}\n${rows.join('\n')}\n`;
    const res = await s.call('POST', `/ledgers/${s.ledger.id}/history-imports?filename=legacy.csv`, csv, {
      'content-type': 'text/csv; charset=utf-8',
    });
    expect(res.status).toBe(201);
    const body = await res.json();
    expect(body).toMatchObject({ rows: 13, replaced: 0 });
    // The invoice the mirror also has is taken from the mirror: the ledger is the source of truth.
    const history = await loadHistory(database.db, s.ledger, [early.id]);
    expect(history.invoices.filter((i) => i.id.startsWith('import:')).map((i) => i.id)).toHaveLength(12);
    expect(history.invoices.find((i) => i.id === mirrored.id)!.amount).toBe(mirrored.total);
    const after = await scoreOf(early.id);
    expect(Number(after!.pLate)).toBeGreaterThan(Number(before!.pLate));
    expect(after!.reasons.some((r) => /paid \d+ of the last 10 invoices late/.test(r.text))).toBe(true);

    const again = await (
      await s.call('POST', `/ledgers/${s.ledger.id}/history-imports`, csv, { 'content-type': 'text/csv' })
    ).json();
    expect(again).toMatchObject({ rows: 13, replaced: 13 });
    const list = await (await s.call('GET', `/ledgers/${s.ledger.id}/history-imports`)).json();
    expect(list.imports.map((i: { rows: number; filename: string | null }) => [i.rows, i.filename])).toEqual([
      [13, null],
      [13, 'legacy.csv'],
    ]);
  });
});

describe('risk API access', () => {
  it('answers 404 to another firm and 403 to a viewer’s writes', async () => {
    const s = await setup();
    await rescoreLedger(s.deps, s.ledger.id);
    const stranger = await signedIn(database.db, (await makeFirm(database.db)).id);
    const as = (cookie: string, method: string, path: string, body?: string) =>
      s.app.request(`/api/v1${path}`, { method, headers: { cookie, 'content-type': 'text/csv' }, body });
    const csv = 'customer_id,invoice_id,issue_date,due_date,amount,paid_date\nx,y,2024-01-01,2024-01-31,10,\n';
    for (const [method, path, body] of [
      ['GET', `/ledgers/${s.ledger.id}/risk`],
      ['GET', `/contacts/${s.contacts[0]!.id}/risk`],
      ['POST', `/ledgers/${s.ledger.id}/risk/rescore`],
      ['POST', `/ledgers/${s.ledger.id}/history-imports`, csv],
      ['GET', `/ledgers/${s.ledger.id}/history-imports`],
    ] as const) {
      const res = await as(stranger.cookie, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(JSON.stringify(await res.json())).not.toContain(s.contacts[0]!.name);
    }
    const viewer = await signedIn(database.db, s.firm.id, 'viewer');
    expect((await as(viewer.cookie, 'GET', `/ledgers/${s.ledger.id}/risk`)).status).toBe(200);
    expect((await as(viewer.cookie, 'POST', `/ledgers/${s.ledger.id}/risk/rescore`)).status).toBe(403);
    expect((await as(viewer.cookie, 'POST', `/ledgers/${s.ledger.id}/history-imports`, csv)).status).toBe(403);
    const rescored = await s.call('POST', `/ledgers/${s.ledger.id}/risk/rescore`);
    expect(await rescored.json()).toMatchObject({ contacts: s.contacts.length });
  });
});
