import type { ParsedDelivery } from './events.ts';
import type { WebhookProvider } from './inbox.ts';
import { parseQuickBooksDelivery } from './quickbooks.ts';
import { parseXeroDelivery } from './xero.ts';

/**
 * Each provider's reader of a verified body. Receipt parses a delivery with it, and an event kept
 * as its delivery's bytes is read again with the same one (webhooks/payload.ts).
 */
export const DELIVERY_PARSERS: Record<WebhookProvider, (body: Uint8Array) => ParsedDelivery> = {
  xero: parseXeroDelivery,
  quickbooks: parseQuickBooksDelivery,
};
