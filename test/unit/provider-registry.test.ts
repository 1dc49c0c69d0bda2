import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROVIDER_MODULES } from '../../connectors/registry.ts';
import { EXTERNAL_PROVIDERS } from '../../connectors/types.ts';
import { loadConfig } from '../../src/config.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import { createTokenCipher } from '../../src/lib/token-cipher.ts';
import { createIntegrations } from '../../src/services/integrations.ts';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

/** A provider named in code (a string literal) or a provider's folder imported. */
const NAMES_A_PROVIDER = new RegExp(
  `['"\`](${EXTERNAL_PROVIDERS.join('|')})['"\`]|connectors/(${EXTERNAL_PROVIDERS.join('|')})/`,
);

describe('the provider registry', () => {
  it('has one module per provider, each in its own folder under connectors/', () => {
    expect(Object.keys(PROVIDER_MODULES).sort()).toEqual([...EXTERNAL_PROVIDERS].sort());
    for (const p of EXTERNAL_PROVIDERS) {
      const m = PROVIDER_MODULES[p];
      expect(m.id).toBe(p);
      expect(existsSync(join(root, 'connectors', p, 'provider.ts'))).toBe(true);
      expect(m.label.length).toBeGreaterThan(0);
      expect(m.webhook.ackBudgetMs).toBeGreaterThan(0);
      expect(m.limits.perTenantPerMinute).toBeGreaterThan(0);
    }
  });

  it('builds a port for each configured provider only, and names what is missing otherwise', async () => {
    const build = async (env: Record<string, string>) =>
      createIntegrations({
        config: loadConfig({ DEMO_LEDGER: 'false', ...env }),
        db: {} as never,
        cipher: await createTokenCipher([{ id: 't', key: new Uint8Array(32).fill(7) }]),
        clock: fixedClock('2026-12-07T09:00:00Z'),
        logger: silentLogger,
      });
    const xeroOnly = await build({ XERO_CLIENT_ID: 'id', XERO_CLIENT_SECRET: 'secret' });
    expect(Object.keys(xeroOnly.ports)).toEqual(['xero']);
    expect(xeroOnly.port('xero').provider).toBe('xero');
    expect(() => xeroOnly.port('quickbooks')).toThrow(/QuickBooks is not configured on this server/);
    const both = await build({
      XERO_CLIENT_ID: 'id',
      XERO_CLIENT_SECRET: 'secret',
      QUICKBOOKS_CLIENT_ID: 'id',
      QUICKBOOKS_CLIENT_SECRET: 'secret',
    });
    expect(Object.keys(both.ports).sort()).toEqual([...EXTERNAL_PROVIDERS].sort());
  });

  it('is the only way services, routes, jobs and the webhook inbox reach a provider', () => {
    const outside = [
      ...sources(join(root, 'src')),
      ...sources(join(root, 'webhooks')),
      ...sources(join(root, 'connectors', 'shared')),
      join(root, 'connectors', 'module.ts'),
    ];
    const offenders = outside.flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .map((line, i) => ({ line: line.trim(), at: `${relative(root, file)}:${i + 1}` }))
        // Comments may name a provider as an example; code may not.
        .filter(({ line }) => !/^(\/\/|\*|\/\*)/.test(line) && NAMES_A_PROVIDER.test(line))
        .map(({ at, line }) => `${at}: ${line}`),
    );
    expect(offenders).toEqual([]);
  });
});
