import { readFileSync } from 'node:fs';
import { SHARED } from '../xero/fixtures.ts';

/** The signature vectors and Intuit's webhook examples, read from shared/ (never copied). */
export const vectors = () =>
  JSON.parse(readFileSync(`${SHARED}vectors/webhook-signatures.json`, 'utf8')) as {
    standard_webhooks: { secret: string; 'webhook-id': string; 'webhook-timestamp': string; payload: string; 'webhook-signature': string };
    intuit_legacy: { verifierToken: string; 'intuit-signature': string };
  };

/** Exact bytes of a shared fixture file (signatures are over bytes, so never re-serialise). */
export const fixtureBytes = (path: string) => new Uint8Array(readFileSync(`${SHARED}fixtures/${path}`));
