import { eq } from 'drizzle-orm';
import type { Db } from '../../src/db/client.ts';
import { connection, contact, firm, invoice, ledger, reminder } from '../../src/db/schema/index.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { ServiceContext } from '../../src/services/context.ts';

let n = 0;

export async function makeFirm(db: Db, name = `Firm ${++n}`) {
  const [row] = await db.insert(firm).values({ name }).returning();
  return row!;
}

export async function makeLedger(db: Db, firmId: string, over: Partial<typeof ledger.$inferInsert> = {}) {
  const [row] = await db
    .insert(ledger)
    .values({
      firmId,
      provider: 'demo',
      externalId: 'demo-42',
      name: 'Demo Trading Ltd',
      baseCurrency: 'GBP',
      timezone: 'Europe/London',
      country: 'GB',
      settings: { demoSeed: 42, demoAnchor: '2026-11-20' },
      ...over,
    })
    .returning();
  return row!;
}

export function systemCtx(db: Db, firmId: string, clock: Clock): ServiceContext {
  return { db, firmId, actor: { type: 'system', name: 'test' }, logger: silentLogger, clock };
}

let seq = 0;
export async function makeContact(
  db: Db,
  l: { id: string; firmId: string },
  over: Partial<typeof contact.$inferInsert> = {},
) {
  const n = ++seq;
  const [row] = await db
    .insert(contact)
    .values({
      firmId: l.firmId,
      ledgerId: l.id,
      externalId: `c-${n}`,
      providerUpdatedAt: new Date('2026-11-01T00:00:00Z'),
      name: `Customer ${n} Ltd`,
      email: `ap${n}@customer.example`,
      people: [],
      addresses: [],
      status: 'active',
      ...over,
    })
    .returning();
  return row!;
}

export async function makeInvoice(
  db: Db,
  c: { id: string; firmId: string; ledgerId: string; externalId: string },
  over: Partial<typeof invoice.$inferInsert> = {},
) {
  const n = ++seq;
  const [row] = await db
    .insert(invoice)
    .values({
      firmId: c.firmId,
      ledgerId: c.ledgerId,
      contactId: c.id,
      contactExternalId: c.externalId,
      externalId: `i-${n}`,
      number: `INV-${n}`,
      providerUpdatedAt: new Date('2026-11-01T00:00:00Z'),
      status: 'open',
      currency: 'NZD',
      issueDate: '2026-10-21',
      dueDate: '2026-11-20',
      total: '115.0000',
      amountDue: '115.0000',
      amountPaid: '0',
      amountCredited: '0',
      sentToContact: true,
      ...over,
    })
    .returning();
  return row!;
}

/** Makes a connection's stored access token stale, so the next provider call refreshes it first. */
/** A reminder for a contact, awaiting approval unless told otherwise. */
export async function makeReminder(
  db: Db,
  c: { id: string; firmId: string; ledgerId: string },
  over: Partial<typeof reminder.$inferInsert> = {},
) {
  const [row] = await db
    .insert(reminder)
    .values({
      firmId: c.firmId,
      ledgerId: c.ledgerId,
      contactId: c.id,
      dueAt: new Date('2026-11-21T00:00:00Z'),
      status: 'awaiting_approval',
      stepKey: 'post+3',
      ...over,
    })
    .returning();
  return row!;
}

export async function expireAccessToken(db: Db, connectionId: string) {
  await db
    .update(connection)
    .set({ accessExpiresAt: new Date('2026-01-01T00:00:00Z') })
    .where(eq(connection.id, connectionId));
}
