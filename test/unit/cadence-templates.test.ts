import fc from 'fast-check';
import { expect, it } from 'vitest';
import { BUILT_IN_TEMPLATES, renderTemplate, unknownPlaceholders } from '../../src/domain/cadence/templates.ts';

const line = (number: string, over: Partial<Parameters<typeof renderTemplate>[1]['lines'][number]> = {}) => ({
  number,
  currency: 'NZD',
  amountDue: '100.00',
  dueDate: '2026-11-01',
  daysOverdue: 10,
  payLink: null,
  ...over,
});
const data = (over: Partial<Parameters<typeof renderTemplate>[1]> = {}) => ({
  businessName: 'Harbour Dental Limited',
  contactName: 'Alex',
  lines: [line('INV-1')],
  optOutLink: 'https://overdue.example.com/unsubscribe/abc',
  ...over,
});

it('escapes every value from the ledger in HTML, for any text (property)', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), fc.string({ minLength: 1 }), (contactName, businessName, number) => {
      const r = renderTemplate(BUILT_IN_TEMPLATES.firm!, data({ contactName, businessName, lines: [line(number)] }));
      const body = r.html.replace(
        /<\/?(!doctype html|html|body[^>]*|p[^>]*|br|h3|table[^>]*|tr|th[^>]*|td[^>]*|hr|a|a href="[^"<>]*")>/gi,
        '',
      );
      return !/[<>]/.test(body);
    }),
    { numRuns: 2000 },
  );
});

it('groups overdue and upcoming invoices, each once, and totals per currency without mixing them', () => {
  const r = renderTemplate(
    BUILT_IN_TEMPLATES.neutral!,
    data({
      lines: [
        line('INV-1'),
        line('INV-2', { currency: 'AUD', amountDue: '50.5' }),
        line('INV-3', { daysOverdue: -3, dueDate: '2026-11-25' }),
        line('INV-1'),
      ],
    }),
  );
  expect(r.text).toMatch(/Overdue:\n {2}INV-1 .*\n {2}INV-2 .*\n\nComing up:\n {2}INV-3 /);
  expect(r.text.match(/ {2}INV-1 /g)).toHaveLength(1);
  // INV-1 was handed in twice: it is listed once and counted once.
  expect(r.text).toContain('Our records show NZ$100.00 + A$50.50 overdue');
  expect(r.text).toContain('Not yet due, for your planning: NZ$100.00 (INV-3).');
  expect(r.html).toContain('<h3>Overdue</h3>');
  expect(r.html).toContain('<h3>Coming up</h3>');
  expect(r.text).toContain('To stop them: https://overdue.example.com/unsubscribe/abc');
});

it('links the pay link, drops paragraphs left empty, and keeps headers single-line', () => {
  const r = renderTemplate(
    BUILT_IN_TEMPLATES.friendly!,
    data({ businessName: 'Evil\r\nBcc: x@y.z', lines: [line('INV-9', { payLink: 'https://in.xero.com/abc' })] }),
  );
  expect(r.html).toContain('<a href="https://in.xero.com/abc">https://in.xero.com/abc</a>');
  expect(r.subject).not.toMatch(/[\r\n]/);
  expect(r.text).not.toMatch(/\n\n\n/);
});

it('reports unknown placeholders, and the built-ins have none', () => {
  expect(unknownPlaceholders({ subject: '{{contact_name}} {{amount}}', body: '{{statement}} {{ pay_lnk }}' })).toEqual([
    'amount',
    'pay_lnk',
  ]);
  for (const t of Object.values(BUILT_IN_TEMPLATES)) expect(unknownPlaceholders(t)).toEqual([]);
});

it('states overdue money apart from money not yet due, and threatens only the overdue (issue 27, class 5)', () => {
  // The case from the field: £787.44 owed in all, of which only £169.80 overdue.
  const lines = [
    line('INV-101', { currency: 'GBP', amountDue: '169.80', daysOverdue: 27, dueDate: '2026-10-24' }),
    line('INV-102', { currency: 'GBP', amountDue: '617.64', daysOverdue: -9, dueDate: '2026-11-29' }),
  ];
  for (const key of ['neutral', 'firm', 'final'] as const) {
    const r = renderTemplate(BUILT_IN_TEMPLATES[key]!, data({ lines }));
    expect(r.subject).toContain('INV-101');
    expect(r.subject).not.toContain('INV-102');
    expect(r.subject).toContain('£169.80');
    expect(r.text).not.toContain('£787.44');
    expect(r.text).toContain('Not yet due, for your planning: £617.64 (INV-102).');
  }
  const final = renderTemplate(BUILT_IN_TEMPLATES.final!, data({ lines }));
  expect(final.text).toMatch(
    /Despite earlier reminders, £169\.80 remains unpaid, up to 27 days overdue\. Unless the overdue amount is paid/,
  );
  // Nothing overdue at all: no "not yet due" aside to set against it.
  const early = renderTemplate(BUILT_IN_TEMPLATES.neutral!, data({ lines: [lines[0]!] }));
  expect(early.text).not.toContain('Not yet due');
});

it('gives every invoice its own pay link; one link for the message only when there is one', () => {
  const two = [
    line('INV-1', { payLink: 'https://in.xero.com/one' }),
    line('INV-2', { payLink: 'https://in.xero.com/two' }),
  ];
  const r = renderTemplate(BUILT_IN_TEMPLATES.firm!, data({ lines: two }));
  expect(r.text).toMatch(/INV-1 .*pay: https:\/\/in\.xero\.com\/one/);
  expect(r.text).toMatch(/INV-2 .*pay: https:\/\/in\.xero\.com\/two/);
  expect(r.text).toContain('Pay online: the link beside each invoice above');
  expect(r.html).toContain('<a href="https://in.xero.com/two">https://in.xero.com/two</a>');
  const one = renderTemplate(BUILT_IN_TEMPLATES.firm!, data({ lines: [two[0]!] }));
  expect(one.text).toContain('Pay online: https://in.xero.com/one');
});
