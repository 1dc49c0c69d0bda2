import { quickbooksBackfill } from './quickbooks-backfill.ts';
import { reminderBench } from './reminders.ts';
import { riskBench } from './risk.ts';
import { webhookAck } from './webhook-ack.ts';
import { xeroBackfill } from './xero-backfill.ts';

/** `npm run bench`: every benchmark, results in bench/results/*.json. */
await xeroBackfill();
await quickbooksBackfill();
await webhookAck();
await reminderBench();
await riskBench();
