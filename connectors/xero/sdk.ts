import type { XeroClient } from 'xero-node';

type XeroClientConfig = ConstructorParameters<typeof XeroClient>[0];

let sdk: Promise<typeof XeroClient> | undefined;

/**
 * A new xero-node client. The SDK is loaded on first use, not at start-up: importing it costs
 * about 0.4 s on Node 24 (bench/startup.ts), and a process serving QuickBooks or demo ledgers
 * may never call Xero.
 */
export async function newXeroClient(config?: XeroClientConfig): Promise<XeroClient> {
  sdk ??= import('xero-node').then((m) => m.XeroClient);
  const Client = await sdk;
  return new Client(config);
}
