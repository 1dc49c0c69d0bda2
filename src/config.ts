import { z } from 'zod';
import { MIN_WEBHOOK_RETENTION_DAYS } from './services/inbox-retention.ts';

/**
 * Configuration is parsed once, at the entry point, from an env-like record.
 * Nothing below the entry points reads `process.env`: they receive a `Config`.
 */

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`invalid configuration: ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** `id:base64key[,id:base64key...]`; the first key encrypts, every key decrypts. */
const encryptionKeys = z.string().transform((raw, ctx) => {
  const keys: { id: string; key: Uint8Array }[] = [];
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const sep = part.indexOf(':');
    const id = sep > 0 ? part.slice(0, sep) : '';
    if (!KEY_ID.test(id)) {
      ctx.addIssue({ code: 'custom', message: 'each entry must be "<key id>:<base64 32-byte key>"' });
      return z.NEVER;
    }
    const key = Buffer.from(part.slice(sep + 1), 'base64');
    if (key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: `key "${id}" is ${key.length} bytes; AES-256 needs 32` });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id "${id}" is listed twice` });
      return z.NEVER;
    }
    keys.push({ id, key: new Uint8Array(key) });
  }
  if (keys.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'at least one key is required' });
    return z.NEVER;
  }
  return keys;
});

const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();

const boolFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).optional(),
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1).default('./.data'),
  PGLITE_DIR: z.string().min(1).optional(),
  ENCRYPTION_KEYS: encryptionKeys.optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  DEMO_LEDGER: boolFlag.optional(),
  DEMO_SEED: z.coerce.number().int().min(0).default(42),
  XERO_CLIENT_ID: optionalText,
  XERO_CLIENT_SECRET: optionalText,
  XERO_WEBHOOK_KEY: optionalText,
  QUICKBOOKS_CLIENT_ID: optionalText,
  QUICKBOOKS_CLIENT_SECRET: optionalText,
  QUICKBOOKS_WEBHOOK_VERIFIER: optionalText,
  QUICKBOOKS_ENVIRONMENT: z.enum(['sandbox', 'production']).default('production'),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  MAIL_FROM: z.email().optional(),
  ALLOW_LOOPBACK_RECEIVERS: boolFlag.default(false),
  PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(20_000),
  RECONCILE_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  TICK_INTERVAL_SECONDS: z.coerce.number().int().min(5).max(3600).default(60),
  RISK_RESCORE_HOURS: z.coerce.number().int().min(1).max(168).default(24),
  WEBHOOK_RETENTION_DAYS: z.coerce
    .number()
    .int()
    .min(
      MIN_WEBHOOK_RETENTION_DAYS,
      `must be at least ${MIN_WEBHOOK_RETENTION_DAYS}: settled events are what recognises a redelivered one`,
    )
    .max(3650)
    .default(90),
});

type ProviderCredentials = { clientId: string; clientSecret: string };

export type Config = {
  env: 'development' | 'production' | 'test';
  port: number;
  /**
   * The address to listen on. The embedded default (PGlite, demo sign-in) listens on this machine
   * only; a deployment with a real database on every interface. HOST overrides either.
   */
  host: string;
  publicUrl: string;
  /** Absent: embedded PGlite (see `pgliteDir`). */
  databaseUrl?: string;
  dataDir: string;
  /** Where PGlite keeps its files; `:memory:` keeps nothing. */
  pgliteDir: string;
  /** Absent: the embedded default generates one key and keeps it in `dataDir`. */
  encryptionKeys?: { id: string; key: Uint8Array }[];
  logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  demo: { enabled: boolean; seed: number };
  xero?: ProviderCredentials & { webhookKey?: string };
  quickbooks?: ProviderCredentials & { webhookVerifier?: string; environment: 'sandbox' | 'production' };
  /** Absent: messages are captured in the outbox table instead of sent. */
  smtp?: { url: string; from?: string };
  shutdownGraceMs: number;
  /** How long one Xero or QuickBooks HTTP call (token refreshes included) may take. */
  providerTimeoutMs: number;
  /** How often every active ledger is re-synced incrementally to catch missed webhooks. */
  reconcileIntervalMs: number;
  /** How often due reminders are claimed and sent. */
  tickIntervalMs: number;
  /** How often every ledger's risk model is refitted and all its scores recomputed. */
  rescoreIntervalMs: number;
  /** Days a settled webhook event (and a stored delivery with none left) is kept after receipt. */
  webhookRetentionDays: number;
  /** Envelope sender; messages carry the business's name and reply to the business. */
  mailFrom: string;
  /**
   * Outbound webhooks and agency deliveries may go to http:// on this machine (a receiver under
   * development). Off by default: deliveries go only to public https addresses.
   */
  allowLoopbackReceivers: boolean;
};

function credentials(
  id: string | undefined,
  secret: string | undefined,
  names: [string, string],
): ProviderCredentials | undefined {
  if (!id && !secret) return undefined;
  if (!id) throw new ConfigError(names[0], `required when ${names[1]} is set`);
  if (!secret) throw new ConfigError(names[1], `required when ${names[0]} is set`);
  return { clientId: id, clientSecret: secret };
}

/** Parses the environment; throws one `ConfigError` naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // Empty strings mean "unset": shells and .env files produce them for blank values.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), issue.message);
  }
  const e = parsed.data;
  const xero = credentials(e.XERO_CLIENT_ID, e.XERO_CLIENT_SECRET, ['XERO_CLIENT_ID', 'XERO_CLIENT_SECRET']);
  const qbo = credentials(e.QUICKBOOKS_CLIENT_ID, e.QUICKBOOKS_CLIENT_SECRET, [
    'QUICKBOOKS_CLIENT_ID',
    'QUICKBOOKS_CLIENT_SECRET',
  ]);
  if (e.NODE_ENV === 'production' && e.DATABASE_URL && !e.ENCRYPTION_KEYS) {
    throw new ConfigError('ENCRYPTION_KEYS', 'required in production with DATABASE_URL');
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST ?? (e.DATABASE_URL ? '0.0.0.0' : '127.0.0.1'),
    publicUrl: (e.PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    pgliteDir: e.PGLITE_DIR ?? `${e.DATA_DIR.replace(/\/$/, '')}/pglite`,
    encryptionKeys: e.ENCRYPTION_KEYS,
    logLevel: e.LOG_LEVEL,
    // The demo ledger is the embedded default's: on unless a real database is configured.
    demo: { enabled: e.DEMO_LEDGER ?? !e.DATABASE_URL, seed: e.DEMO_SEED },
    xero: xero && { ...xero, webhookKey: e.XERO_WEBHOOK_KEY },
    quickbooks: qbo && {
      ...qbo,
      webhookVerifier: e.QUICKBOOKS_WEBHOOK_VERIFIER,
      environment: e.QUICKBOOKS_ENVIRONMENT,
    },
    smtp: e.SMTP_URL ? { url: e.SMTP_URL, from: e.MAIL_FROM } : undefined,
    shutdownGraceMs: e.SHUTDOWN_GRACE_MS,
    providerTimeoutMs: e.PROVIDER_TIMEOUT_MS,
    reconcileIntervalMs: e.RECONCILE_INTERVAL_MINUTES * 60_000,
    tickIntervalMs: e.TICK_INTERVAL_SECONDS * 1000,
    rescoreIntervalMs: e.RISK_RESCORE_HOURS * 3600_000,
    webhookRetentionDays: e.WEBHOOK_RETENTION_DAYS,
    mailFrom: e.MAIL_FROM ?? 'reminders@overdue.localhost',
    allowLoopbackReceivers: e.ALLOW_LOOPBACK_RECEIVERS,
  };
}
