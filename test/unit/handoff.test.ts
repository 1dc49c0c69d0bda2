import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CASE_FIELDS, type CaseFile, restrict, statementOf } from '../../src/domain/handoff/case-file.ts';
import { csvCell } from '../../src/domain/csv.ts';
import { caseCsv, statementHtml } from '../../src/domain/handoff/exports.ts';
import { type CandidateInvoice, HandoffRuleSchema, proposeCases } from '../../src/domain/handoff/rules.ts';
import { ACTIVE_STATUSES, canMove, type CaseStatus, isEnded } from '../../src/domain/handoff/status.ts';
import { parseCsv } from '../../src/domain/risk/csv.ts';

const inv = (over: Partial<CandidateInvoice> = {}): CandidateInvoice => ({
  id: over.id ?? 'i1',
  number: 'INV-1',
  dueDate: '2026-09-01',
  amountDue: '400.00',
  currency: 'GBP',
  disputed: false,
  excluded: false,
  inCase: false,
  cadenceDone: true,
  handoffStepReached: false,
  ...over,
});
const rule = HandoffRuleSchema.parse({ enabled: true, minDaysOverdue: 60, minAmount: '250' });
const TODAY = '2026-11-20';

describe('hand-off rules', () => {
  it('proposes overdue, undisputed invoices over the thresholds, one case per currency', () => {
    const out = proposeCases(
      rule,
      [inv({ id: 'a' }), inv({ id: 'b', currency: 'EUR', amountDue: '300' }), inv({ id: 'c', dueDate: '2026-10-15' })],
      'high',
      TODAY,
    );
    expect(out).toEqual([
      {
        invoiceIds: ['a'],
        amount: '400.0000',
        currency: 'GBP',
        reason: '1 invoice overdue (oldest 80 days), £400.00, every reminder sent, risk high',
      },
      {
        invoiceIds: ['b'],
        amount: '300.0000',
        currency: 'EUR',
        reason: '1 invoice overdue (oldest 80 days), €300.00, every reminder sent, risk high',
      },
    ]);
  });

  it('never proposes disputed, excluded or already handed-off invoices, nor under either minimum', () => {
    for (const over of [
      { disputed: true },
      { excluded: true },
      { inCase: true },
      { amountDue: '0' },
      { cadenceDone: false },
    ])
      expect(proposeCases(rule, [inv(over)], null, TODAY)).toEqual([]);
    expect(proposeCases(rule, [inv({ amountDue: '249.99' })], null, TODAY)).toEqual([]);
    expect(proposeCases(rule, [inv()], null, TODAY, '500')).toEqual([]);
    expect(proposeCases({ ...rule, minRiskBand: 'high' }, [inv()], 'medium', TODAY)).toEqual([]);
    expect(proposeCases({ ...rule, minRiskBand: 'medium' }, [inv()], 'high', TODAY)).toHaveLength(1);
    expect(proposeCases({ ...rule, enabled: false }, [inv()], 'high', TODAY)).toEqual([]);
  });

  it('a cadence’s hand-off step proposes the invoice whatever the thresholds, but never a disputed one', () => {
    const step = inv({ dueDate: '2026-10-20', amountDue: '50', cadenceDone: false, handoffStepReached: true });
    expect(proposeCases({ ...rule, enabled: false }, [step], null, TODAY)[0]!.reason).toContain(
      'cadence reached its hand-off step',
    );
    expect(proposeCases(rule, [{ ...step, disputed: true }], null, TODAY)).toEqual([]);
  });
});

describe('case status', () => {
  const all: CaseStatus[] = [
    'pending_approval',
    'sent',
    'acknowledged',
    'collecting',
    'recovered',
    'closed',
    'recalled',
  ];
  it('moves only forward, ended cases never move, and nothing skips approval', () => {
    for (const from of all) for (const to of all) if (isEnded(from)) expect(canMove(from, to)).toBe(false);
    expect(all.filter((s) => canMove('pending_approval', s))).toEqual(['sent', 'closed']);
    for (const s of all) expect(canMove(s, 'pending_approval')).toBe(false);
    expect(ACTIVE_STATUSES.every((s) => !isEnded(s))).toBe(true);
    expect(canMove('collecting', 'recalled')).toBe(true);
  });
});

const amount = fc
  .integer({ min: 1, max: 10_000_000 })
  .map((c) => `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`);
const day = fc.integer({ min: 0, max: 300 }).map((d) => new Date(Date.UTC(2026, 0, 1 + d)).toISOString().slice(0, 10));

describe('statement of account', () => {
  it('runs a balance that ends at invoices less payments and credits, in date order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(day, amount), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(day, amount), { maxLength: 8 }),
        (invs, pays) => {
          const s = statementOf(
            invs.map(([d, a], k) => ({ number: `INV-${k}`, issueDate: d, total: a })),
            pays.map(([d, a]) => ({ date: d, amount: a })),
            [],
            '2026-12-31',
          );
          const cents = (x: string) => Math.round(Number(x) * 100);
          const expected = invs.reduce((t, [, a]) => t + cents(a), 0) - pays.reduce((t, [, a]) => t + cents(a), 0);
          expect(cents(s.balance)).toBe(expected);
          expect(s.lines.map((l) => l.date)).toEqual([...s.lines.map((l) => l.date)].sort());
          expect(s.itemisedFrom).toBe(s.lines[0]!.date);
        },
      ),
      { numRuns: 200 },
    );
  });
});

const file: CaseFile = {
  caseId: 'c1',
  reference: 'OD-ABCDEFGH',
  amount: '120.0000',
  currency: 'GBP',
  approvedAt: '2026-11-20T10:00:00.000Z',
  creditor: { name: 'Harbour Dental', legalName: null, country: 'GB' },
  debtor: {
    name: '=HYPERLINK("x")',
    legalName: 'A "quoted", <b>name</b>',
    addresses: [{ lines: ['1 High St'] }],
    emails: ['ap@x.example'],
    phones: ['+44 1'],
    taxNumber: 'GB1',
    companyNumber: '123',
  },
  invoices: [
    {
      number: 'INV-1',
      issueDate: '2026-08-01',
      dueDate: '2026-08-31',
      total: '120.0000',
      paid: '0',
      credited: '0',
      due: '120.0000',
      daysOverdue: 81,
      link: 'https://pay.example/1',
    },
  ],
  payments: [],
  credits: [],
  statement: statementOf([{ number: 'INV-1', issueDate: '2026-08-01', total: '120.0000' }], [], [], '2026-11-20'),
  communications: [
    { at: '2026-09-03T09:00:00.000Z', channel: 'email', to: ['ap@x.example'], subject: 'Reminder', status: 'sent' },
  ],
  promises: [],
  paymentPlans: [],
  notes: [{ at: '2026-11-20T10:00:00.000Z', text: 'no reply' }],
};

describe('case file allow-list', () => {
  it('lets no field leave that is not allow-listed (property over every subset)', () => {
    fc.assert(
      fc.property(fc.subarray([...CASE_FIELDS]), (allow) => {
        const out = restrict(file, allow) as Record<string, unknown>;
        const top = Object.keys(out).filter(
          (k) => !['caseId', 'reference', 'amount', 'currency', 'approvedAt', 'creditor'].includes(k),
        );
        for (const k of top) {
          if (k === 'debtor') for (const d of Object.keys(out.debtor as object)) expect(allow).toContain(`debtor.${d}`);
          else expect(allow).toContain(k);
        }
        const withLink = (out.invoices as { link?: string }[] | undefined)?.some((i) => 'link' in i) ?? false;
        expect(withLink).toBe(allow.includes('invoices') && allow.includes('invoices.link'));
      }),
      { numRuns: 300 },
    );
  });
});

describe('exports', () => {
  it('CSV cells are quoted and never start a formula; the file parses back', () => {
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell('-12.50')).toBe('-12.50');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    const table = parseCsv(caseCsv(restrict(file, [...CASE_FIELDS])));
    expect(table).toHaveLength(2);
    expect(table[1]![1]).toBe('A "quoted", <b>name</b>');
    expect(table[1]![10]).toBe('https://pay.example/1');
  });

  it('the printable statement escapes every value', () => {
    const page = statementHtml(
      restrict({ ...file, debtor: { ...file.debtor, legalName: '<script>alert(1)</script>' } }, [...CASE_FIELDS]),
    );
    expect(page).not.toContain('<script>');
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page).toContain('£120.00');
  });
});
