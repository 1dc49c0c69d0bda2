import { describe, expect, it } from 'vitest';
import { activityText } from '../../src/domain/activity.ts';

describe('a ledger’s activity in words', () => {
  const inv = (data: unknown) => activityText({ action: 'invoice.collection', data, invoiceNumber: 'INV-7' });
  const who = (data: unknown) => activityText({ action: 'contact.collection', data, contactName: 'Kea Builders' });

  it('says what changed on an invoice, with its reason, date or size', () => {
    expect(inv({ invoiceId: 'x', dispute: { reason: 'goods returned' } })).toBe(
      'Invoice INV-7 disputed: goods returned',
    );
    expect(inv({ dispute: null })).toBe('Dispute on Invoice INV-7 resolved; reminders resume');
    expect(inv({ promiseToPayUntil: '2026-12-20' })).toBe('Promise to pay Invoice INV-7 by 2026-12-20');
    expect(inv({ promiseToPayUntil: null })).toBe('Promise on Invoice INV-7 cleared');
    expect(inv({ paymentPlan: [{}, {}] })).toBe('Payment plan of 2 instalments agreed for Invoice INV-7');
    expect(inv({ paymentPlan: null })).toBe('Payment plan on Invoice INV-7 removed');
    expect(inv({ excluded: true, dispute: null })).toBe(
      'Dispute on Invoice INV-7 resolved; reminders resume; Invoice INV-7 excluded from chasing',
    );
  });

  it('says what changed for a customer', () => {
    expect(who({ pausedUntil: '2026-12-31T11:00:00.000Z' })).toBe(
      'Reminders to Kea Builders paused until 2026-12-31 11:00 UTC',
    );
    // From the dashboard: a day in the ledger's zone, said as that day.
    expect(who({ pausedThrough: '2026-12-31', pausedUntil: '2027-01-01T00:00:00.000Z' })).toBe(
      'Reminders to Kea Builders paused through 2026-12-31',
    );
    expect(who({ pausedUntil: null })).toBe('Reminders to Kea Builders resumed');
    expect(who({ optedOut: true })).toBe('Kea Builders opted out of reminders');
    expect(who({ policyId: null })).toBe('Kea Builders back on the default cadence');
  });

  it('keeps the name of anything else, and survives odd data', () => {
    expect(activityText({ action: 'ledger.safe_mode', data: { safeMode: true } })).toBe('ledger safe mode');
    expect(activityText({ action: 'invoice.collection', data: null })).toBe('invoice collection');
    expect(activityText({ action: 'contact.collection', data: 'garbage' })).toBe('contact collection');
  });
});
