import { describe, expect, it } from 'vitest';
import { addDays } from '../../src/domain/dates.ts';
import { demoHistory, historyCsv } from '../../connectors/demo/history.ts';
import { backtest, metrics } from '../../src/domain/risk/backtest.ts';
import { readHistoryCsv } from '../../src/domain/risk/csv.ts';
import { evaluateModel } from '../../src/domain/risk/evaluation.ts';
import { features, GLOBAL_PRIORS, ledgerPriors } from '../../src/domain/risk/features.ts';
import { type HistInvoice, outcomeAt } from '../../src/domain/risk/history.ts';
import { payDate, score, trainModel } from '../../src/domain/risk/model.ts';
import fc from 'fast-check';

const inv = (
  id: string,
  contactId: string,
  issueDate: string,
  dueDate: string,
  paidDate: string | null,
  amount = '100.00',
): HistInvoice => ({ id, contactId, issueDate, dueDate, amount, paidDate, disputed: false });
const history = demoHistory(42, '2026-11-20', 120);

describe('risk scoring', () => {
  it('uses nothing after the scoring date: a future payment or invoice changes no earlier score', () => {
    const asOf = '2026-03-01';
    const contact = history.find((h) => h.behaviour === 'slow')!.contactId;
    const model = trainModel(history, asOf);
    const before = score(model, history, contact, asOf);
    // Every payment after the scoring date moves (still after it), and a later invoice appears.
    const changed = history.map((h) =>
      h.paidDate && h.paidDate > asOf ? { ...h, paidDate: addDays(h.paidDate, 45) } : h,
    );
    const extra = [...changed, inv('future-1', contact, '2026-06-01', '2026-07-01', '2026-09-30')];
    expect(score(trainModel(extra, asOf), extra, contact, asOf)).toEqual(before);
  });

  it('never predicts a pay date before today, and gives none for long-overdue debt', () => {
    expect(payDate('2026-11-01', '2026-11-20', 30)).toBe('2026-12-01');
    // Past what the history predicts, a little late: expected any day now.
    expect(payDate('2026-11-01', '2026-11-20', 5)).toBe('2026-11-20');
    // 400 and 311 days late: no date ("unlikely to pay without action"), never "today".
    expect(payDate('2025-10-16', '2026-11-20', 12)).toBeNull();
    expect(payDate('2026-01-13', '2026-11-20', 0)).toBeNull();
    fc.assert(
      fc.property(fc.integer({ min: -400, max: 400 }), fc.integer({ min: 0, max: 200 }), (dueIn, late) => {
        const asOf = '2026-11-20';
        const d = payDate(addDays(asOf, dueIn), asOf, late);
        if (d !== null) expect(d >= asOf).toBe(true);
        if (-dueIn > 30 + late) expect(d).toBeNull();
      }),
    );
  });

  it('is deterministic', () => {
    const a = trainModel(history, '2026-10-01');
    const b = trainModel(history, '2026-10-01');
    expect(a).toEqual(b);
    const c = history[5]!.contactId;
    expect(score(a, history, c, '2026-10-01')).toEqual(score(b, history, c, '2026-10-01'));
    expect(a.version).toMatch(/^lr-l2-v1@2026-10-01\/\d+$/);
  });

  it('gives a new contact an honest cold-start score at the ledger’s rate', () => {
    const model = trainModel(history, '2026-11-20');
    const s = score(model, history, 'brand-new', '2026-11-20');
    expect(s.reasons[0]!.code).toBe('cold_start');
    expect(s.pLate).toBeCloseTo(model.priors.lateRate, 3);
    expect(s.pVeryLate).toBeCloseTo(model.priors.veryLateRate, 3);
  });

  it('shrinks a short record towards the prior and trusts a long one', () => {
    const priors = { ...GLOBAL_PRIORS, lateRate: 0.3 };
    const one = [inv('a', 'c', '2026-01-01', '2026-01-31', '2026-02-20')];
    const many = Array.from({ length: 30 }, (_, k) => inv(`m${k}`, 'c', '2025-01-01', '2025-01-31', '2025-02-20'));
    const fOne = features(one, 'c', '2026-06-01', priors);
    const fMany = features(many, 'c', '2026-06-01', priors);
    expect(fOne.lateRatio).toBeGreaterThan(0.3);
    expect(fOne.lateRatio).toBeLessThan(0.8);
    expect(fMany.lateRatio).toBeGreaterThan(0.9);
    expect(ledgerPriors([], '2026-01-01')).toEqual(GLOBAL_PRIORS);
  });

  it('ranks simulated defaulters and slow payers above prompt ones, with reasons in plain words', () => {
    const asOf = '2026-11-20';
    const model = trainModel(history, asOf);
    const byBehaviour = (b: string) => {
      const ids = [...new Set(history.filter((h) => h.behaviour === b).map((h) => h.contactId))];
      return ids.reduce((s, c) => s + score(model, history, c, asOf).pLate, 0) / ids.length;
    };
    expect(byBehaviour('slow')).toBeGreaterThan(byBehaviour('prompt') + 0.3);
    expect(byBehaviour('early')).toBeLessThan(0.3);
    const slow = history.find((h) => h.behaviour === 'slow')!.contactId;
    expect(score(model, history, slow, asOf).reasons.find((r) => r.code === 'late_ratio')!.text).toMatch(
      /^paid \d+ of the last \d+ invoices late, \d+ days on average$/,
    );
  });

  it('is calibrated on a simulated ledger: predicted and observed late rates agree on the test part', () => {
    const rows = backtest(history, 0.7).filter((r) => r.test && r.late !== null);
    const m = metrics(rows.map((r) => ({ p: r.pLate, y: r.late! })));
    const predicted = rows.reduce((s, r) => s + r.pLate, 0) / rows.length;
    const observed = rows.filter((r) => r.late).length / rows.length;
    expect(Math.abs(predicted - observed)).toBeLessThan(0.08);
    expect(m.auc).toBeGreaterThan(0.8);
    // The baseline knows only each customer's past late ratio; the model also sees recent
    // behaviour, invoice size and exposure, which the simulated payers (like real ones) follow.
    const baseline = metrics(rows.map((r) => ({ p: r.baseline, y: r.late! })));
    expect(m.auc).toBeGreaterThan(baseline.auc + 0.02);
    // The second baseline is a regression of its own, fitted with the same walk: a real rival
    // (close to the model), not a copy of it and not a strawman.
    const plain = metrics(rows.map((r) => ({ p: r.lrLate, y: r.late! })));
    expect(plain.auc).toBeGreaterThan(baseline.auc);
    expect(rows.some((r) => r.lrLate !== r.pLate)).toBe(true);
    expect(Math.abs(m.auc - plain.auc)).toBeLessThan(0.05);
  });

  it('fits a model on chosen features and scores it with those features only', () => {
    const asOf = '2026-06-01';
    const five = trainModel(history, asOf, [
      'lateRatio',
      'meanDaysLate',
      'overdueCount',
      'amountVsAverage',
      'paidCount',
    ]);
    expect(five.models.late!.weights).toHaveLength(5);
    expect(five.features).toHaveLength(5);
    // The full model records no list: a stored model from before the list existed reads the same.
    expect(trainModel(history, asOf).features).toBeUndefined();
    const slow = history.find((h) => h.behaviour === 'slow')!.contactId;
    const s = score(five, history, slow, asOf);
    expect(s.pLate).toBeGreaterThan(0);
    expect(s.pLate).toBeLessThan(1);
    expect(s.reasons[0]!.text).toMatch(/^paid \d+ of the last/);
  });

  it('reports log loss, with certainty clipped so one confident miss is costly but finite', () => {
    const m = metrics([
      { p: 0.8, y: true },
      { p: 0.2, y: false },
      { p: 0.5, y: true },
      { p: 0, y: true },
    ]);
    const expected = -(Math.log(0.8) + Math.log(0.8) + Math.log(0.5) + Math.log(0.001)) / 4;
    expect(m.logLoss).toBeCloseTo(expected, 10);
    expect(metrics([{ p: 1, y: true }]).logLoss).toBeCloseTo(-Math.log(0.999), 10);
  });

  it('counts broken promises and instalments as of the scoring date, and says so', () => {
    const base = Array.from({ length: 6 }, (_, k) =>
      inv(`p${k}`, 'c', addDays('2026-01-01', k * 30), addDays('2026-01-31', k * 30), addDays('2026-02-05', k * 30)),
    );
    const withPartials = base.map((h, k) => ({ ...h, partial: k >= 3 }));
    const promised = { ...inv('open-1', 'c', '2026-08-01', '2026-08-31', null), promisedBy: '2026-09-15' };
    const all = [...withPartials, promised];
    const priors = GLOBAL_PRIORS;
    // Before the promised date the promise is not yet broken; after it, it is.
    expect(features(all, 'c', '2026-09-10', priors).brokenPromises).toBe(0);
    expect(features(all, 'c', '2026-09-20', priors).brokenPromises).toBe(1);
    // Kept: paid by the promised date.
    expect(
      features([...withPartials, { ...promised, paidDate: '2026-09-14' }], 'c', '2026-09-20', priors).brokenPromises,
    ).toBe(0);
    expect(features(all, 'c', '2026-09-20', priors).partialShare).toBeGreaterThan(
      features(base, 'c', '2026-09-20', priors).partialShare,
    );
    const model = trainModel(history, '2026-09-20');
    const texts = score(model, all, 'c', '2026-09-20').reasons.map((r) => r.text);
    expect(texts).toContain('broke 1 promise to pay');
  });
});

describe('model evaluation on the ledger itself', () => {
  const asOf = '2026-11-20';
  const e = evaluateModel(history, asOf)!;

  it('tests the newest invoices with a model fitted before them, against the late-ratio baseline', () => {
    expect(e.testedFrom < asOf).toBe(true);
    expect(e.n).toBeGreaterThanOrEqual(50);
    expect(e.calibration.map((b) => b.n).reduce((a, b) => a + b, 0)).toBe(e.n);
    expect(e.auc).toBeGreaterThan(e.baselineAuc);
    // The model under test knew only what was known on testedFrom.
    const model = trainModel(history, e.testedFrom);
    const tested = history.filter((i) => i.issueDate > e.testedFrom && outcomeAt(i, 'late', asOf) !== null);
    const m = metrics(
      tested.map((i) => ({
        p: score(model, history, i.contactId, i.issueDate, { ...i, paidDate: null }).pLate,
        y: outcomeAt(i, 'late', asOf)!,
      })),
    );
    expect(e.n).toBe(m.n);
    expect(e.auc).toBeCloseTo(m.auc, 3);
  });

  it('uses nothing after its date: later invoices and payments change nothing', () => {
    const later = [
      ...history.map((i) => (i.paidDate === null ? { ...i, paidDate: '2026-12-01' } : i)),
      inv('later-1', history[0]!.contactId, '2026-11-25', '2026-12-25', '2026-11-26'),
    ];
    expect(evaluateModel(later, asOf)).toEqual(e);
  });

  it('says nothing rather than mislead on a ledger with little settled history', () => {
    expect(evaluateModel(history.slice(0, 60), asOf)).toBeNull();
    expect(evaluateModel([], asOf)).toBeNull();
  });
});

describe('history CSV', () => {
  it('reads a valid file (quotes, BOM, CRLF) and round-trips the demo history', () => {
    const text =
      '\uFEFFcustomer_id,invoice_id,issue_date,due_date,amount,currency,paid_date,disputed\r\n"Acme, Ltd",INV-1,2026-01-01,2026-01-31,"1250.00",nzd,2026-02-03,no\r\nB,INV-2,2026-01-05,2026-02-04,10,,,yes\r\n';
    const r = readHistoryCsv(text);
    expect(r).toEqual({
      ok: true,
      rows: [
        {
          id: 'INV-1',
          contactId: 'Acme, Ltd',
          issueDate: '2026-01-01',
          dueDate: '2026-01-31',
          amount: '1250.00',
          currency: 'NZD',
          paidDate: '2026-02-03',
          disputed: false,
        },
        {
          id: 'INV-2',
          contactId: 'B',
          issueDate: '2026-01-05',
          dueDate: '2026-02-04',
          amount: '10',
          currency: null,
          paidDate: null,
          disputed: true,
        },
      ],
    });
    const demo = readHistoryCsv(historyCsv(history));
    expect(demo.ok && demo.rows.length).toBe(history.length);
  });

  it('reports every bad row with its line and column, and returns no rows at all', () => {
    const text = [
      'customer_id,invoice_id,issue_date,due_date,amount,paid_date,disputed',
      'A,INV-1,2026-01-01,2026-01-31,100.00,,no',
      'A,INV-1,2026-01-01,2026-01-31,100.00,,no',
      'B,INV-3,01/02/2026,2026-01-31,-5,,maybe',
      'C,INV-4,2026-02-01,2026-01-01,10,2025-12-01,',
      'D,INV-5,2026-02-01',
    ].join('\n');
    const r = readHistoryCsv(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([
      { line: 3, column: 'invoice_id', message: 'duplicate of line 2' },
      { line: 4, column: 'issue_date', message: 'a date like 2026-01-31' },
      { line: 4, column: 'amount', message: 'a positive decimal like 1250.00' },
      { line: 4, column: 'disputed', message: 'yes or no' },
      { line: 5, column: 'due_date', message: 'before the issue date' },
      { line: 5, column: 'paid_date', message: 'before the issue date' },
      { line: 6, column: '', message: 'expected 7 fields, found 3' },
    ]);
    expect(readHistoryCsv('invoice_id,amount\n1,2\n')).toEqual({
      ok: false,
      issues: ['customer_id', 'issue_date', 'due_date', 'paid_date'].map((c) => ({
        line: 1,
        column: c,
        message: 'missing column',
      })),
    });
    expect(readHistoryCsv('')).toEqual({ ok: false, issues: [{ line: 1, column: '', message: 'the file is empty' }] });
  });
});
