import { randomUUID } from 'node:crypto';
import { demoHistory } from '../../connectors/demo/history.ts';
import type { Db } from '../../src/db/client.ts';
import { contact, invoice } from '../../src/db/schema/index.ts';
import { type IsoDate, zonedTimeToInstant } from '../../src/domain/dates.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { makeFirm, makeLedger } from './factories.ts';

export const RISK_TODAY: IsoDate = '2026-11-20';
const TZ = 'Europe/London';

/**
 * A ledger whose mirror holds a simulated payment history (customers with known behaviours:
 * prompt, slow, defaulter, …) as of RISK_TODAY, as sync would have left it.
 */
export async function riskWorld(db: Db, customers = 40) {
  const firm = await makeFirm(db);
  const ledger = await makeLedger(db, firm.id, { externalId: randomUUID(), timezone: TZ });
  const history = demoHistory(42, RISK_TODAY, customers);
  const refs = [...new Set(history.map((h) => h.contactId))];
  const behaviour = new Map(history.map((h) => [h.contactId, h.behaviour]));
  const contacts = await db
    .insert(contact)
    .values(
      refs.map((ref) => ({
        firmId: firm.id,
        ledgerId: ledger.id,
        externalId: ref,
        providerUpdatedAt: new Date('2026-11-01T00:00:00Z'),
        name: `${behaviour.get(ref)} ${ref}`,
        email: `${ref}@customer.example`,
        people: [],
        addresses: [],
        status: 'active',
      })),
    )
    .returning();
  const idOf = new Map(contacts.map((c) => [c.externalId, c.id]));
  const rows = history.map((h) => ({
    firmId: firm.id,
    ledgerId: ledger.id,
    contactId: idOf.get(h.contactId)!,
    contactExternalId: h.contactId,
    externalId: h.id,
    number: h.id.toUpperCase(),
    providerUpdatedAt: new Date('2026-11-01T00:00:00Z'),
    status: h.paidDate ? ('paid' as const) : ('open' as const),
    currency: 'GBP',
    issueDate: h.issueDate,
    dueDate: h.dueDate,
    total: h.amount,
    amountDue: h.paidDate ? '0' : h.amount,
    amountPaid: h.paidDate ? h.amount : '0',
    paidAt: h.paidDate ? zonedTimeToInstant(h.paidDate, '12:00', TZ) : null,
  }));
  for (let k = 0; k < rows.length; k += 500) await db.insert(invoice).values(rows.slice(k, k + 500));
  const contactOf = (b: string) => contacts.filter((c) => behaviour.get(c.externalId) === b);
  return { firm, ledger, history, contacts, contactOf, clock: fixedClock(`${RISK_TODAY}T12:00:00Z`) };
}
