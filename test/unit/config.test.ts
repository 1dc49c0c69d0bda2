import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives the embedded defaults with an empty environment', () => {
    const c = loadConfig({});
    expect(c.port).toBe(3000);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.pgliteDir).toBe('./.data/pglite');
    expect(c.demo).toEqual({ enabled: true, seed: 42 });
    expect(c.smtp).toBeUndefined();
    expect(c.xero).toBeUndefined();
    expect(c.quickbooks).toBeUndefined();
    expect(c.publicUrl).toBe('http://localhost:3000');
  });

  it('turns the demo ledger off by default when a database is configured', () => {
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h/db' });
    expect(c.demo.enabled).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db', DEMO_LEDGER: 'true' }).demo.enabled).toBe(true);
  });

  it('keeps settled webhook events 90 days by default and refuses fewer than 30 (the dedupe window)', () => {
    expect(loadConfig({}).webhookRetentionDays).toBe(90);
    expect(loadConfig({ WEBHOOK_RETENTION_DAYS: '30' }).webhookRetentionDays).toBe(30);
    for (const value of ['29', '0', '-5', '1.5', 'ninety']) {
      const err = errorOf({ WEBHOOK_RETENTION_DAYS: value });
      expect(err.variable).toBe('WEBHOOK_RETENTION_DAYS');
    }
    expect(errorOf({ WEBHOOK_RETENTION_DAYS: '29' }).message).toMatch(/at least 30/);
  });

  it('gives provider calls 30 s by default and refuses a deadline under 100 ms or over 5 minutes', () => {
    expect(loadConfig({}).providerTimeoutMs).toBe(30_000);
    expect(loadConfig({ PROVIDER_TIMEOUT_MS: '5000' }).providerTimeoutMs).toBe(5_000);
    for (const value of ['99', '300001', 'soon'])
      expect(errorOf({ PROVIDER_TIMEOUT_MS: value }).variable).toBe('PROVIDER_TIMEOUT_MS');
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(3000);
  });

  it('parses a key ring, first key primary', () => {
    const c = loadConfig({ ENCRYPTION_KEYS: `k2:${key(2)}, k1:${key(1)}` });
    expect(c.encryptionKeys?.map((k) => k.id)).toEqual(['k2', 'k1']);
    expect(c.encryptionKeys?.[0]?.key).toHaveLength(32);
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ PUBLIC_URL: 'not a url' }, 'PUBLIC_URL'],
    [{ ENCRYPTION_KEYS: 'nokey' }, 'ENCRYPTION_KEYS'],
    [{ ENCRYPTION_KEYS: `k1:${Buffer.alloc(16).toString('base64')}` }, 'ENCRYPTION_KEYS'],
    [{ ENCRYPTION_KEYS: `k1:${key(1)},k1:${key(2)}` }, 'ENCRYPTION_KEYS'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ SMTP_URL: 'http://mail' }, 'SMTP_URL'],
    [{ XERO_CLIENT_ID: 'abc' }, 'XERO_CLIENT_SECRET'],
    [{ QUICKBOOKS_CLIENT_SECRET: 'abc' }, 'QUICKBOOKS_CLIENT_ID'],
    [{ DEMO_LEDGER: 'maybe' }, 'DEMO_LEDGER'],
    [{ NODE_ENV: 'production', DATABASE_URL: 'postgres://h/db' }, 'ENCRYPTION_KEYS'],
  ])('rejects %o naming %s in one line', (env, variable) => {
    const err = errorOf(env as Record<string, string>);
    expect(err.variable).toBe(variable);
    expect(err.message).toContain(variable);
    expect(err.message).not.toContain('\n');
  });

  it('offers a provider only when both credentials are present', () => {
    const c = loadConfig({ XERO_CLIENT_ID: 'id', XERO_CLIENT_SECRET: 'secret', XERO_WEBHOOK_KEY: 'wk' });
    expect(c.xero).toEqual({ clientId: 'id', clientSecret: 'secret', webhookKey: 'wk' });
    expect(c.quickbooks).toBeUndefined();
  });
});
