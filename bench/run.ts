import { backfillBenchmarks } from './backfill.ts';
import { reminderBench } from './reminders.ts';
import { stopFirstBench } from './stop-first.ts';
import { riskBench } from './risk.ts';
import { startupBench } from './startup.ts';
import { webhookAck } from './webhook-ack.ts';
import { webhookAckPglite } from './webhook-ack-pglite.ts';
import { sharedLimitsBench } from './shared-limits.ts';
import { nonceBench } from './nonces.ts';
import { webhookReplayBench } from './webhook-replay.ts';

/** `npm run bench`: every benchmark, each printed as a table and written to bench/results/<name>.json. */
await backfillBenchmarks();
await webhookAck();
await webhookAckPglite();
await webhookReplayBench();
await reminderBench();
await stopFirstBench();
await riskBench();
await startupBench();
await sharedLimitsBench();
await nonceBench();
