import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { QBO_VERIFIER, XERO_KEY } from './webhooks/deliver.ts';

/** Where every test process appends the log lines it captures (set by the global set-up). */
export const SUITE_LOG_ENV = 'OVERDUE_SUITE_LOGS';

/** Appends a captured log line to this process's file of the suite's logs. */
export function toSuiteLog(line: string) {
  const dir = process.env[SUITE_LOG_ENV];
  if (dir) appendFileSync(join(dir, `${process.pid}.log`), `${line}\n`);
}

const TEST_KEY = Buffer.alloc(32, 7).toString('base64');
/** The secrets the tests use, and the shapes of the ones the code mints. */
const LITERALS = ['xero-test-secret-do-not-log', 'qbo-test-secret-do-not-log', XERO_KEY, QBO_VERIFIER, TEST_KEY];
const SHAPES = [
  /\b(?:xat|xrt|qat|qrt|qit|odt|odi)_[\w-]{8,}/, // provider access/refresh tokens, API tokens, invitations
  /whsec_[A-Za-z0-9+/]{16,}/, // signing secrets
  /Bearer\s+[\w.~+/-]{12,}/, // an Authorization header's value
  /"authorization"\s*:\s*"[^"[]/i, // an Authorization header logged as a field
  /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{10,}/, // id_tokens and other JWTs
  /"v1,[A-Za-z0-9+/]{20,}={0,2}"/, // a Standard Webhooks signature
];

/** The lines of `text` that hold a secret: a known test secret, or something shaped like one. */
export function findSecrets(text: string): string[] {
  return text.split('\n').filter((line) => LITERALS.some((s) => line.includes(s)) || SHAPES.some((r) => r.test(line)));
}
