import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/domain/cadence/templates.ts';
import { MoneyError, parseAmount } from '../../src/domain/money.ts';
import { readHistoryCsv } from '../../src/domain/risk/csv.ts';
import { parseQuickBooksDelivery } from '../../connectors/quickbooks/webhook.ts';
import { parseXeroDelivery } from '../../connectors/xero/webhook.ts';

/**
 * Everything that reads outside input gets random and adversarial input: it must answer with a
 * result or a typed, clear error, never an exception that escapes (reliability: input never
 * crashes the process).
 */
const RUNS = { numRuns: 400 };
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }),
  fc.json().map((j) => new TextEncoder().encode(j)),
  fc.string({ unit: 'binary', maxLength: 300 }).map((s) => new TextEncoder().encode(s)),
  // Near-misses of the real shapes: right keys, wrong types and values.
  fc
    .record({
      events: fc.array(
        fc.dictionary(
          fc.constantFrom('resourceId', 'tenantId', 'eventCategory', 'eventType', 'eventDateUtc'),
          fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        ),
      ),
    })
    .map((o) => new TextEncoder().encode(JSON.stringify(o))),
  fc
    .record({
      eventNotifications: fc.array(
        fc.record({ realmId: fc.oneof(fc.string(), fc.integer()), dataChangeEvent: fc.anything() }),
      ),
    })
    .map((o) => new TextEncoder().encode(JSON.stringify(o))),
  fc
    .array(
      fc.dictionary(
        fc.constantFrom('id', 'type', 'time', 'intuitentityid', 'intuitaccountid', 'specversion'),
        fc.oneof(fc.string(), fc.integer()),
      ),
    )
    .map((o) => new TextEncoder().encode(JSON.stringify(o))),
);

describe('fuzzing the input readers', () => {
  it('webhook parsers return events or "malformed", for any bytes', () => {
    fc.assert(
      fc.property(bytes, (body) => {
        for (const parse of [parseXeroDelivery, parseQuickBooksDelivery]) {
          const r = parse(body);
          expect(['events', 'malformed']).toContain(r.kind);
          if (r.kind === 'malformed') expect(r.reason.length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('the history CSV reader returns rows or per-line issues, for any text', () => {
    const header = 'customer_id,invoice_id,issue_date,due_date,amount,currency,paid_date,disputed\n';
    const cell = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.constantFrom('2026-01-31', '2026-02-30', '12.50', '-1', '"', '""', 'yes', '\r', ','),
    );
    const text = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc
        .array(fc.array(cell, { maxLength: 9 }), { maxLength: 12 })
        .map((rows) => header + rows.map((r) => r.join(',')).join('\n')),
    );
    fc.assert(
      fc.property(text, (t) => {
        const r = readHistoryCsv(t);
        if (r.ok) expect(Array.isArray(r.rows)).toBe(true);
        else
          for (const i of r.issues) {
            expect(i.line).toBeGreaterThanOrEqual(1);
            expect(i.message.length).toBeGreaterThan(0);
          }
      }),
      RUNS,
    );
  });

  it('the template renderer renders any text and data, escaping what goes into HTML', () => {
    const line = fc.record({
      number: fc.string({ maxLength: 20 }),
      currency: fc.constantFrom('NZD', 'JPY', 'EUR', 'KWD'),
      amountDue: fc.integer({ min: 0, max: 10_000_000 }).map((c) => (c / 100).toFixed(2)),
      dueDate: fc.option(fc.constant('2026-10-31')),
      daysOverdue: fc.integer({ min: -90, max: 900 }),
      payLink: fc.option(fc.webUrl()),
    });
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.string({ maxLength: 600 }),
        fc.string({ maxLength: 60 }),
        fc.array(line, { maxLength: 5 }),
        (subject, body, name, lines) => {
          const r = renderTemplate(
            { subject, body },
            {
              businessName: '<b>Biz</b>',
              contactName: name,
              lines,
              optOutLink: 'https://overdue.example.com/unsubscribe/x',
            },
          );
          expect(typeof r.text).toBe('string');
          expect(r.html).not.toContain('<b>Biz</b>');
          if (name.includes('<script')) expect(r.html).not.toContain('<script');
        },
      ),
      RUNS,
    );
  });

  it('the money parser returns exact units or a MoneyError, for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ maxLength: 40 }),
          fc.double(),
          fc.constantFrom('1e309', 'NaN', '0x10', ' 12.5 ', '١٢', '12.34567', '-0', '99999999999999999999'),
        ),
        (input) => {
          try {
            expect(typeof parseAmount(input as string | number)).toBe('bigint');
          } catch (err) {
            expect(err).toBeInstanceOf(MoneyError);
          }
        },
      ),
      RUNS,
    );
  });
});
