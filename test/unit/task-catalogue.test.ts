import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../connectors/types.ts';
import { loadConfig } from '../../src/config.ts';
import { PreconditionError } from '../../src/errors.ts';
import { onFailure, QUEUED_TASKS } from '../../src/tasks/queued.ts';
import { CRONS, SCHEDULED_TASKS } from '../../src/tasks/scheduled.ts';

const wrangler = readFileSync(join(import.meta.dirname, '..', '..', 'wrangler.toml'), 'utf8');
const unavailable = () => new ConnectorError('provider_unavailable', '503', { provider: 'xero', status: 503 });

describe('the task catalogue', () => {
  it('declares the Cron Triggers wrangler.toml has, and every scheduled task runs on one of them', () => {
    const crons = JSON.parse(wrangler.match(/^crons = (\[.*\])$/m)![1]!) as string[];
    const used = new Set(Object.values(SCHEDULED_TASKS).map((t) => t.cron));
    expect(new Set(crons)).toEqual(used);
    expect(Object.values(CRONS).sort()).toEqual([...used].sort());
  });

  it('gives every scheduled task a Node interval from the default configuration', () => {
    const config = loadConfig({});
    for (const [name, task] of Object.entries(SCHEDULED_TASKS))
      expect(task.everyMs(config), name).toBeGreaterThanOrEqual(1_000);
  });

  it('lets the Workers queue redeliver at least as often as any task retries', () => {
    const maxRetries = Number(wrangler.match(/^max_retries = (\d+)$/m)![1]);
    for (const task of Object.values(QUEUED_TASKS)) expect(maxRetries).toBeGreaterThanOrEqual(task.retry.limit);
  });

  it('retries a sync the provider may recover from with backoff, and gives it up once its retries are spent', () => {
    const delays = [1, 2, 3, 4, 5].map((attempt) => onFailure('sync', unavailable(), attempt));
    expect(delays).toEqual([5, 10, 20, 40, 80].map((delaySeconds) => ({ retry: true, delaySeconds })));
    expect(onFailure('sync', unavailable(), 6)).toEqual({ retry: false, reason: 'retries spent' });
  });

  it('gives up at once on a sync only the owner (or tomorrow) can fix', () => {
    const daily = new ConnectorError('rate_limited', 'day', { provider: 'xero', providerCode: 'daily' });
    const reconnect = new ConnectorError('invalid_grant', 'gone', { provider: 'quickbooks' });
    for (const err of [new PreconditionError('ledger is needs_reconnect'), daily, reconnect])
      expect(onFailure('sync', err, 1)).toEqual({ retry: false, reason: 'final' });
  });

  it('always retries an inbox run (its events keep their own backoff) and a rescoring, within their limits', () => {
    const err = new PreconditionError('anything');
    expect(onFailure('inbox', err, 1)).toEqual({ retry: true, delaySeconds: 2 });
    expect(onFailure('inbox', err, 11)).toEqual({ retry: false, reason: 'retries spent' });
    expect(onFailure('rescore', unavailable(), 3)).toEqual({ retry: true, delaySeconds: 120 });
    expect(onFailure('rescore', unavailable(), 4)).toEqual({ retry: false, reason: 'retries spent' });
  });
});
