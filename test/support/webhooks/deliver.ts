import { createHmac, randomUUID } from 'node:crypto';
import type { App } from '../../../src/app.ts';

export const XERO_KEY = 'xero-webhook-key-for-tests-0123456789abcdef0123456789abcdef0123456789';
export const QBO_VERIFIER = 'qbo-verifier-token-for-tests';
export const webhookEnv = {
  XERO_CLIENT_ID: 'XERO-TEST-CLIENT',
  XERO_CLIENT_SECRET: 'xero-test-secret-do-not-log',
  XERO_WEBHOOK_KEY: XERO_KEY,
  QUICKBOOKS_CLIENT_ID: 'QBO-TEST-CLIENT',
  QUICKBOOKS_CLIENT_SECRET: 'qbo-test-secret-do-not-log',
  QUICKBOOKS_WEBHOOK_VERIFIER: QBO_VERIFIER,
  PUBLIC_URL: 'https://overdue.example.com',
};
/** The webhook keys without Xero's app credentials (connectXero supplies its fake's own). */
export const webhookOnlyEnv = Object.fromEntries(
  Object.entries(webhookEnv).filter(([k]) => k !== 'XERO_CLIENT_ID' && k !== 'XERO_CLIENT_SECRET'),
) as Record<string, string>;

export const sign = (key: string, body: string | Uint8Array) => createHmac('sha256', key).update(body).digest('base64');

/** POSTs the exact bytes with the provider's signature header (or the one given). */
export async function deliver(
  app: Pick<App, 'request'>,
  provider: 'xero' | 'quickbooks',
  body: string | Uint8Array,
  opts: { signature?: string | null; contentType?: string } = {},
) {
  const header = provider === 'xero' ? 'x-xero-signature' : 'intuit-signature';
  const signature =
    opts.signature === undefined ? sign(provider === 'xero' ? XERO_KEY : QBO_VERIFIER, body) : opts.signature;
  return app.request(`/webhooks/${provider}`, {
    method: 'POST',
    headers: {
      'content-type': opts.contentType ?? 'application/json',
      ...(signature === null ? {} : { [header]: signature }),
    },
    body: body as BodyInit,
  });
}

export type XeroEventInput = { tenantId: string; resourceId?: string; category?: string; type?: string; at?: string };
const xeroEvent = (e: XeroEventInput) => ({
  resourceUrl: `https://api.xero.com/api.xro/2.0/Invoices/${e.resourceId}`,
  resourceId: e.resourceId ?? randomUUID(),
  eventDateUtc: e.at ?? '2026-11-20T09:00:00.000',
  eventType: e.type ?? 'UPDATE',
  eventCategory: e.category ?? 'INVOICE',
  tenantId: e.tenantId,
  tenantType: 'ORGANISATION',
});
export const xeroBatch = (events: XeroEventInput[]) =>
  JSON.stringify({
    events: events.map(xeroEvent),
    firstEventSequence: 1,
    lastEventSequence: events.length,
    entropy: randomUUID().slice(0, 14).toUpperCase(),
  });

export const qboLegacy = (
  realmId: string,
  entities: { name: string; id: string; operation: string; lastUpdated?: string; deletedId?: string }[],
) =>
  JSON.stringify({
    eventNotifications: [
      {
        realmId,
        dataChangeEvent: { entities: entities.map((e) => ({ lastUpdated: '2026-11-20T09:00:00.000Z', ...e })) },
      },
    ],
  });

export const qboCloudEvents = (
  realmId: string,
  events: { entity: string; id: string; op: string; time?: string; data?: Record<string, unknown> }[],
) =>
  JSON.stringify(
    events.map((e) => ({
      specversion: '1.0',
      id: randomUUID(),
      source: 'intuit.test',
      type: `qbo.${e.entity}.${e.op}.v1`,
      time: e.time ?? '2026-11-20T09:00:00Z',
      intuitentityid: e.id,
      intuitaccountid: realmId,
      ...(e.data ? { datacontenttype: 'application/json', data: e.data } : {}),
    })),
  );
