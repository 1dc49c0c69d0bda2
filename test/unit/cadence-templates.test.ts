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
  expect(r.text).toContain('NZ$300.00 + A$50.50');
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
