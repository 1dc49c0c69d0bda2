import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccountingConnector, Lane } from '../../connectors/types.ts';
import { createApp } from '../../src/app.ts';
import { reminder } from '../../src/db/schema/index.ts';
import type { Clock } from '../../src/lib/clock.ts';
import type { Mailer } from '../../src/notify/mailer.ts';
import { mirrorHandlers } from '../../src/services/background.ts';
import { processInbox } from '../../src/services/inbox.ts';
import { replanContacts } from '../../src/services/reminders/planning.ts';
import { tick } from '../../src/services/reminders/tick.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testConfig, testDeps } from '../support/deps.ts';
import { makeContact, makeInvoice } from '../support/factories.ts';
import { reminderWorld } from '../support/reminders.ts';
import { deliver, webhookEnv, xeroBatch } from '../support/webhooks/deliver.ts';

/**
 * Reliability checklist #14, the paid-vs-send race, every interleaving of its steps:
 * - two processes' ticks, each claiming the reminder (Tc, Uc), reading the ledger (Tr, Ur), then
 *   deciding and sending (Ts, Us); only one can claim it, the other finds nothing;
 * - the customer pays in the ledger (P); Xero's webhook then arrives and is processed up to its
 *   own read of the ledger, which holds the invoice (Wh); that read completes (Wr).
 * All 1,680 orders that keep each actor's own order. The email goes out exactly when the claiming
 * tick's read came before the payment and its send decision before the webhook's hold; in every
 * order, at most one email, and nothing is left chasing the paid invoice afterwards.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

/** Each reading one millisecond on: events are ordered by their times as by their sequence. */
function steppingClock(start: string): Clock & { advance(ms: number): void } {
  let t = Date.parse(start);
  return {
    now: () => new Date(t++),
    advance: (ms) => {
      t += ms;
    },
  };
}

/**
 * Runs actors one step at a time: an actor runs until it calls `pause` (or ends); `step` lets
 * it on and waits until it has paused again or ended.
 */
class Stepper {
  private resume = new Map<string, () => void>();
  private arrived = new Map<string, () => void>();
  private ended = new Set<string>();

  pause(actor: string): Promise<void> {
    return new Promise((r) => {
      this.resume.set(actor, r);
      this.signal(actor);
    });
  }

  async step(actor: string, begin: () => Promise<unknown>) {
    if (this.ended.has(actor)) return;
    const reached = new Promise<void>((r) => this.arrived.set(actor, r));
    const go = this.resume.get(actor);
    this.resume.delete(actor);
    if (go) go();
    else
      void begin().finally(() => {
        this.ended.add(actor);
        this.signal(actor);
      });
    await reached;
  }

  private signal(actor: string) {
    const a = this.arrived.get(actor);
    this.arrived.delete(actor);
    a?.();
  }
}

type Step = 'Tc' | 'Tr' | 'Ts' | 'Uc' | 'Ur' | 'Us' | 'P' | 'Wh' | 'Wr';
/** Every merge of the actors' step sequences, each keeping its own order. */
function interleavings(...seqs: Step[][]): Step[][] {
  const live = seqs.filter((q) => q.length);
  if (live.length <= 1) return [live[0] ?? []];
  return live.flatMap((q, i) =>
    interleavings(...live.map((r, j) => (j === i ? r.slice(1) : r))).map((rest) => [q[0]!, ...rest]),
  );
}
const ORDERS = interleavings(['Tc', 'Tr', 'Ts'], ['Uc', 'Ur', 'Us'], ['P', 'Wh', 'Wr']);

/** One email exactly when the tick that claimed read before the payment and sent before the hold. */
function expectedMails(order: Step[]) {
  const at = (s: Step) => order.indexOf(s);
  const [read, send] = at('Tc') < at('Uc') ? (['Tr', 'Ts'] as const) : (['Ur', 'Us'] as const);
  return at(read) < at('P') && at(send) < at('Wh') ? 1 : 0;
}

async function race(order: Step[]) {
  const mails: string[] = [];
  const mailer: Mailer = {
    kind: 'capture',
    send: async (m) => {
      mails.push(m.subject);
      return { status: 'captured', providerMessageId: null };
    },
  };
  const w = await reminderWorld(database.db, { mailer });
  const clock = steppingClock('2026-11-16T20:00:00Z');
  const c = await makeContact(database.db, w.ledger);
  const inv = await makeInvoice(database.db, c, { dueDate: '2026-11-20' });
  w.stub.put(inv);
  await replanContacts({ ...w.deps, clock }, [c.id]);

  const stepper = new Stepper();
  const base = w.stub.connector;
  // Each tick pauses before its read and again after it (at the pay link, the read's last call);
  // the webhook pauses at its read, after its hold is written.
  const resolverFor = (tickActor: string) => {
    let reading = false;
    return async (_l: unknown, opts?: { lane?: Lane }): Promise<AccountingConnector> => {
      const lane = opts?.lane ?? 'bulk';
      return {
        ...base,
        fetchOne: async (...args: Parameters<AccountingConnector['fetchOne']>) => {
          if (lane === 'send' && !reading) {
            reading = true;
            await stepper.pause(tickActor);
          }
          if (lane === 'stop') await stepper.pause('webhook');
          return base.fetchOne(...args);
        },
        onlineInvoiceUrl: async (...args: Parameters<AccountingConnector['onlineInvoiceUrl']>) => {
          if (lane === 'send') await stepper.pause(tickActor);
          return base.onlineInvoiceUrl(...args);
        },
      } as AccountingConnector;
    };
  };
  const resolve = resolverFor('webhook');
  const deps = { ...w.deps, clock, resolve };
  const app = createApp(await testDeps(database, { clock, config: testConfig(webhookEnv) }));
  const inboxDeps = { db: database.db, clock, logger: w.logger, resolve, onChange: mirrorHandlers(deps) };

  const actions: Record<Step, () => Promise<void>> = {
    Tc: () => stepper.step('tick', () => tick({ ...deps, resolve: resolverFor('tick') })),
    Tr: () => stepper.step('tick', async () => {}),
    Ts: () => stepper.step('tick', async () => {}),
    Uc: () => stepper.step('tock', () => tick({ ...deps, resolve: resolverFor('tock') })),
    Ur: () => stepper.step('tock', async () => {}),
    Us: () => stepper.step('tock', async () => {}),
    P: async () => void w.stub.put(inv, { status: 'paid', amountDue: '0.0000', amountPaid: inv.total }),
    Wh: () =>
      stepper.step('webhook', async () => {
        const batch = xeroBatch([{ tenantId: w.ledger.externalId, resourceId: inv.externalId }]);
        expect((await deliver(app, 'xero', batch)).status).toBe(200);
        await processInbox(inboxDeps, { provider: 'xero', accountRef: w.ledger.externalId });
      }),
    Wr: () => stepper.step('webhook', async () => {}),
  };
  for (const s of order) await actions[s]();

  // A later tick, reading the ledger as it is: whatever was held is cancelled, nothing is sent.
  clock.advance(3_600_000);
  await tick({ ...deps, resolve: async () => base });
  const left = (await database.db.select().from(reminder).where(eq(reminder.contactId, c.id))).filter(
    (r) => r.status === 'scheduled' || r.status === 'sending',
  );
  return { mails: mails.length, left: left.length };
}

describe('the paid-vs-send race (reliability #14)', () => {
  it('emails only when the claiming read came before the payment and the send before the hold, in every order', async () => {
    expect(ORDERS).toHaveLength(1_680);
    const outcomes: string[] = [];
    for (const order of ORDERS) {
      const r = await race(order);
      outcomes.push(`${order.join(' ')}: ${r.mails} sent, ${r.left} left`);
    }
    expect(outcomes).toEqual(ORDERS.map((order) => `${order.join(' ')}: ${expectedMails(order)} sent, 0 left`));
  }, 900_000);
});
