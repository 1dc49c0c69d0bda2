import { readFileSync } from 'node:fs';

/**
 * The provider examples and signature vectors the tests are built on, kept in test/fixtures/
 * with their sources and licences (see the SOURCES.md beside them). Paths are relative to it.
 */
const ROOT = new URL('../fixtures/', import.meta.url);

/** Exact bytes of a fixture (signatures are over bytes, so never re-serialise). */
export const fixtureBytes = (path: string) => new Uint8Array(readFileSync(new URL(path, ROOT)));
export const fixtureText = (path: string) => readFileSync(new URL(path, ROOT), 'utf8');
export const fixtureJson = <T = Record<string, unknown>>(path: string) => JSON.parse(fixtureText(path)) as T;

/** Known-answer vectors for webhook signatures: Standard Webhooks, Intuit, Xero (self-made), GitHub. */
export const vectors = () =>
  fixtureJson<{
    standard_webhooks: {
      secret: string;
      'webhook-id': string;
      'webhook-timestamp': string;
      payload: string;
      'webhook-signature': string;
    };
    intuit_legacy: { verifierToken: string; payloadFile: string; 'intuit-signature': string };
    xero: { webhookKey: string; payloadFile: string; 'x-xero-signature': string };
    github: { secret: string; payload: string; 'X-Hub-Signature-256': string };
  }>('vectors/webhook-signatures.json');
