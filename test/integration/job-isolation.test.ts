import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/client.ts';
import { APP_ROLE } from '../../src/db/isolation.ts';
import { handoff, ledger, riskScore } from '../../src/db/schema/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { inLedgerFirm } from '../../src/tasks/ledger-scope.ts';
import { QUEUED_TASKS } from '../../src/tasks/queued.ts';
import { SCHEDULED_TASKS } from '../../src/tasks/scheduled.ts';
import { taskDepsOf } from '../../src/tasks/deps.ts';
import { createTestDatabase, type TestDatabase } from '../support/db.ts';
import { testDeps } from '../support/deps.ts';
import { makeContact, makeFirm, makeInvoice, makeLedger } from '../support/factories.ts';

/**
 * Per-ledger background work under row-level security (reliability #23): a rescore or a hand-off
 * rule run reads its ledger with `ledger_id` filters only, so rows of another firm that name the
 * ledger (planted here as a bug or a forged write would leave them) must stay out of its reach.
 */
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.drop());

const HANDOFF_RULE = { enabled: true, minDaysOverdue: 30, minAmount: '100', requireAllStepsSent: false };

/** Firm A's ledger with one overdue customer, and firm B's customer and invoice planted in it. */
async function ledgerWithPlantedRows() {
  const db = database.db;
  const [a, b] = [await makeFirm(db), await makeFirm(db)];
  const l = await makeLedger(db, a.id, { settings: { handoff: HANDOFF_RULE } });
  const own = await makeContact(db, l);
  const ownInvoice = await makeInvoice(db, own, { dueDate: '2026-08-01', amountDue: '500.0000', total: '500.0000' });
  const planted = await makeContact(db, { id: l.id, firmId: b.id });
  const plantedInvoice = await makeInvoice(db, planted, {
    dueDate: '2026-08-01',
    amountDue: '900.0000',
    total: '900.0000',
  });
  return { a, l, own, ownInvoice, planted, plantedInvoice };
}

describe('per-ledger background work sees its own firm only', () => {
  it('runs as the request role, for the ledger’s firm', async () => {
    const { a, l } = await ledgerWithPlantedRows();
    const who = await inLedgerFirm(database.db, l.id, async (tx) => {
      const [row] = await queryRows<{ role: string; firm: string }>(
        tx,
        sql`select current_user as role, current_setting('overdue.firm_id', true) as firm`,
      );
      return row;
    });
    expect(who).toEqual({ role: APP_ROLE, firm: a.id });
    expect(await inLedgerFirm(database.db, '00000000-0000-4000-8000-000000000000', async () => 'ran')).toBeUndefined();
  });

  it('a rescore scores the ledger’s customers and never another firm’s planted in it', async () => {
    const { l, own, planted } = await ledgerWithPlantedRows();
    const d = await testDeps(database);
    await QUEUED_TASKS.rescore.run(taskDepsOf(d), { ledgerId: l.id });
    const scored = await database.db
      .select({ id: riskScore.subjectId, firmId: riskScore.firmId })
      .from(riskScore)
      .where(eq(riskScore.ledgerId, l.id));
    expect(scored.map((s) => s.id)).toContain(own.id);
    expect(scored.map((s) => s.id)).not.toContain(planted.id);
    expect(d.logger.lines.join('\n')).toContain('ledger rescored');
  });

  it('a hand-off rule proposes the ledger’s overdue debt and never another firm’s planted in it', async () => {
    const { l, ownInvoice, plantedInvoice } = await ledgerWithPlantedRows();
    const d = await testDeps(database, {
      clock: fixedClock('2026-12-07T10:00:00Z'),
    });
    const limits = { stopped: () => false, budgetMs: 60_000 };
    await SCHEDULED_TASKS.handoffRules.run(taskDepsOf(d), limits);
    const cases = await database.db.select().from(handoff).where(eq(handoff.ledgerId, l.id));
    const named = cases.flatMap((c) => c.invoiceIds);
    expect(named).toContain(ownInvoice.id);
    expect(named).not.toContain(plantedInvoice.id);
    // The ledger is still firm A's, and every case is too.
    const [owner] = await database.db.select({ firmId: ledger.firmId }).from(ledger).where(eq(ledger.id, l.id));
    expect(new Set(cases.map((c) => c.firmId))).toEqual(new Set([owner!.firmId]));
  });
});
