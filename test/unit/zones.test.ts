import { describe, expect, it } from 'vitest';
import { zoneForPlace } from '../../connectors/shared/zones.ts';

/**
 * Where a provider does not say a business's zone (QuickBooks never does), its place decides it
 * (issue 28, "Time zones"): QuickBooks companies used to get New York for the whole United States
 * and Pacific/Auckland for France, Mexico or India.
 */
describe('the zone of a business from where it is', () => {
  it('takes the state or province in a country of several zones', () => {
    expect(zoneForPlace('US', 'CA')).toEqual({ zone: 'America/Los_Angeles', guessed: false });
    expect(zoneForPlace('US', 'tx')).toEqual({ zone: 'America/Chicago', guessed: false });
    expect(zoneForPlace('US', 'AZ')).toEqual({ zone: 'America/Phoenix', guessed: false });
    expect(zoneForPlace('CA', 'BC')).toEqual({ zone: 'America/Vancouver', guessed: false });
    expect(zoneForPlace('AU', 'WA')).toEqual({ zone: 'Australia/Perth', guessed: false });
    expect(zoneForPlace('MX', 'BCN')).toEqual({ zone: 'America/Tijuana', guessed: false });
  });

  it('guesses the main zone (and says so) when a country of several zones comes without a region', () => {
    expect(zoneForPlace('US')).toEqual({ zone: 'America/New_York', guessed: true });
    expect(zoneForPlace('MX', 'XX')).toEqual({ zone: 'America/Mexico_City', guessed: true });
    expect(zoneForPlace('BR')).toEqual({ zone: 'America/Sao_Paulo', guessed: true });
  });

  it("knows a one-zone country's zone; an unknown or missing country is UTC, a guess", () => {
    expect(zoneForPlace('FR')).toEqual({ zone: 'Europe/Paris', guessed: false });
    expect(zoneForPlace('in')).toEqual({ zone: 'Asia/Kolkata', guessed: false });
    expect(zoneForPlace('KE')).toEqual({ zone: 'Africa/Nairobi', guessed: false });
    expect(zoneForPlace('ZZ')).toEqual({ zone: 'UTC', guessed: true });
    expect(zoneForPlace(undefined)).toEqual({ zone: 'UTC', guessed: true });
  });
});
