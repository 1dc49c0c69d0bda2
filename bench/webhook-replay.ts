import postgres from 'postgres';
import { freshBenchDatabase, report } from './lib.ts';
import { delivery, startService } from './webhook-ack.ts';

/**
 * Reliability checklist #2's latency bound: one signed Xero delivery replayed 50 times at once
 * (BENCH_REPLAY_ROUNDS rounds, default 20, a new delivery each), on Postgres and on the embedded
 * PGlite. Every copy must be acknowledged 2xx and the ack p99 stay under 1 s; on Postgres the
 * inbox must hold exactly one delivery and one event per round. (One row and one job per storm
 * is also asserted by test/integration/webhooks-receive.test.ts.)
 */
const ROUNDS = Number(process.env.BENCH_REPLAY_ROUNDS ?? 20);
const COPIES = 50;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

async function storms(port: number) {
  const latencies: number[] = [];
  let refused = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const d = delivery('xero', 'connected')();
    await Promise.all(
      Array.from({ length: COPIES }, async () => {
        const t0 = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/webhooks/xero`, {
          method: 'POST',
          headers: Object.entries(d.headers).filter((e): e is [string, string] => typeof e[1] === 'string'),
          body: d.body,
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t0);
        if (res.status < 200 || res.status > 299) refused++;
      }),
    );
  }
  return { latencies, refused };
}

export async function webhookReplayBench() {
  const rows: Record<string, string | number>[] = [];
  const db = await freshBenchDatabase();
  for (const url of [db.url, undefined]) {
    if (url === undefined && db.url === undefined) continue;
    const { child, port } = await startService(url);
    try {
      // Warm-up: JIT, pools, prepared statements.
      await storms(port);
      let inbox = 'n/a (embedded)';
      const sql = url ? postgres(url, { max: 1, onnotice: () => {} }) : undefined;
      const before = sql ? (await sql`select count(*)::int as n from webhook_event`)[0]!.n : 0;
      const { latencies, refused } = await storms(port);
      if (sql) {
        const after = (await sql`select count(*)::int as n from webhook_event`)[0]!.n;
        inbox = `${after - before} events for ${ROUNDS} rounds`;
        await sql.end();
      }
      rows.push({
        database: url ? 'Postgres' : 'PGlite',
        acks: latencies.length,
        'non-2xx': refused,
        'p50 ms': Math.round(pct(latencies, 0.5)),
        'p99 ms': Math.round(pct(latencies, 0.99)),
        'max ms': Math.round(Math.max(...latencies)),
        inbox,
      });
    } finally {
      child.kill('SIGTERM');
    }
  }
  await db.drop();
  return report('webhook-replay', rows, {
    method: `one signed Xero delivery sent ${COPIES} times at once, ${ROUNDS} rounds (a new delivery each) after a warm-up round set, to the running service`,
    goals: { 'non-2xx': '0', 'p99 ms': '< 1000', inbox: 'one event per round' },
  });
}

if (import.meta.url === `file://${process.argv[1]}`) await webhookReplayBench();
