import type { ProviderModule } from './module.ts';
import { quickbooksProvider, type QuickBooksSettings } from './quickbooks/provider.ts';
import type { ExternalProvider, Provider } from './types.ts';
import { xeroProvider, type XeroSettings } from './xero/provider.ts';

/** Each provider's own settings, as the service's configuration holds them. */
export type ProviderSettings = { xero: XeroSettings; quickbooks: QuickBooksSettings };

/**
 * Every provider a customer can connect. The mapped type makes it exhaustive: a provider added
 * to EXTERNAL_PROVIDERS without its folder and entry here does not compile.
 */
export const PROVIDER_MODULES: { [P in ExternalProvider]: ProviderModule<ProviderSettings[P]> } = {
  xero: xeroProvider,
  quickbooks: quickbooksProvider,
};

/** The module for a provider as stored (a database row, an inbox event); undefined for the demo. */
export function moduleOf(provider: Provider | string): ProviderModule<unknown> | undefined {
  return Object.hasOwn(PROVIDER_MODULES, provider)
    ? (PROVIDER_MODULES[provider as ExternalProvider] as ProviderModule<unknown>)
    : undefined;
}
