import { readFileSync, writeFileSync } from 'node:fs';
import { bypass } from 'msw';
import { forwardTo } from './forward.ts';
import { backfillBench } from './setup.ts';
import { copyBaseline } from './copy.ts';

/**
 * One backfill, in a process of its own so its peak RSS is its own: the real connector, client,
 * rate limiter (virtual time) and mirror, against the provider fake served by fake-server.ts.
 * Every provider URL the SDKs call is forwarded to that server over loopback.
 * Env: BENCH_PROVIDER, BENCH_FAKE_PORT, DATABASE_URL (else PGlite on disk at BENCH_PGLITE_DIR),
 * BENCH_PLAN=1 to score and plan what came in, as the production sync job does.
 * Prints `RESULT <json>`.
 */
const provider = process.env.BENCH_PROVIDER as 'xero' | 'quickbooks';
const fakeUrl = `http://127.0.0.1:${process.env.BENCH_FAKE_PORT}`;

const forward = forwardTo(fakeUrl);

/** Peak and current resident set size of this process, in MB (Linux). */
const rss = () => {
  const status = readFileSync('/proc/self/status', 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { peakMb: kb('VmHWM') / 1024, nowMb: kb('VmRSS') / 1024 };
};

type Setup = {
  clientId: string;
  clientSecret: string;
  tenantId?: string;
  realmId?: string;
  consentUrl?: string;
  grant?: { access: string; refresh: string };
};
const setup = (await (await fetch(bypass(`${fakeUrl}/__bench/setup`))).json()) as Setup;
const apiCalls = async () =>
  ((await (await fetch(bypass(`${fakeUrl}/__bench/calls`))).json()) as { apiCalls: number }).apiCalls;
const env: Record<string, string> =
  provider === 'xero'
    ? { XERO_CLIENT_ID: setup.clientId, XERO_CLIENT_SECRET: setup.clientSecret }
    : { QUICKBOOKS_CLIENT_ID: setup.clientId, QUICKBOOKS_CLIENT_SECRET: setup.clientSecret };
const bench = await backfillBench(env, { pgliteDir: process.env.BENCH_PGLITE_DIR });
const l =
  provider === 'xero'
    ? await bench.connect(
        {
          accessToken: setup.grant!.access,
          refreshToken: setup.grant!.refresh,
          accessExpiresAt: new Date('2030-01-01T00:00:00Z'),
          scopes: [],
        },
        { provider: 'xero', externalId: setup.tenantId!, baseCurrency: 'NZD', timezone: 'Pacific/Auckland' },
      )
    : await bench.connect(
        (
          await bench.integrations
            .port('quickbooks')
            .completeConsent(setup.consentUrl!, 's', 'no-challenge', bench.clock.now().getTime())
        ).tokens,
        {
          provider: 'quickbooks',
          externalId: setup.realmId!,
          baseCurrency: 'USD',
          timezone: 'America/New_York',
        },
      );
const callsBefore = await apiCalls();
// The peak counts from here: creating an empty PGlite directory (initdb, once per install) peaks
// far above anything a backfill does and would hide it.
writeFileSync('/proc/self/clear_refs', '5');
const before = rss();
const { result, wallMs, fetchMs, limitedMs } = await bench.backfill(l, { plan: process.env.BENCH_PLAN === '1' });
const after = rss();
const calls = (await apiCalls()) - callsBefore;
const copy = bench.database.kind === 'postgres' ? await copyBaseline(bench.database.sql, l.id) : undefined;
await bench.close();
forward.close();
console.log(
  `RESULT ${JSON.stringify({ database: bench.database.kind, invoices: result.invoices.items, contacts: result.contacts.items, invoicePages: result.invoices.pages, apiCalls: calls, wallMs, fetchMs, limitedMs, rssBeforeMb: before.nowMb, peakRssMb: after.peakMb, copy })}`,
);
process.exit(0);
