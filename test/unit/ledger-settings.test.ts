import { describe, expect, it } from 'vitest';
import { ledgerSettings } from '../../src/domain/ledger-settings.ts';

describe('a ledger’s settings, typed', () => {
  it('reads what is there and defaults the rest', () => {
    expect(ledgerSettings({ timezoneGuessed: true, replyTo: 'ar@kea.example', ledgerNotes: 'off' })).toEqual({
      timezoneGuessed: true,
      replyTo: 'ar@kea.example',
      thankYou: false,
      ledgerNotes: 'off',
      cadence: {},
    });
    expect(ledgerSettings({ cadence: { byRiskBand: { high: 'firm' } } }).cadence.byRiskBand).toEqual({ high: 'firm' });
  });

  it('one bad value falls back on its own; the others are kept; odd columns read as empty', () => {
    const s = ledgerSettings({
      timezoneGuessed: 'yes',
      replyTo: 'not an address',
      ledgerNotes: 'sometimes',
      thankYou: true,
      cadence: { byRiskBand: 'firm' },
      lateFeeTerms: 'Interest at 2% a month after 30 days',
    });
    expect(s).toMatchObject({
      timezoneGuessed: false,
      replyTo: undefined,
      ledgerNotes: 'all',
      thankYou: true,
      cadence: { byRiskBand: undefined },
      lateFeeTerms: 'Interest at 2% a month after 30 days',
    });
    for (const raw of [null, undefined, 'x', 42, []]) expect(ledgerSettings(raw).ledgerNotes).toBe('all');
  });
});
