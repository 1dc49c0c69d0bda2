import { anyOf } from '../db/array-param.ts';
import type { Db } from '../db/client.ts';
import { invoice } from '../db/schema/index.ts';
import type { MirrorChangeHandler } from './mirror-changes.ts';

/**
 * What a sync run changed, collected over all its pages and reported once at the end: scoring
 * and planning run once per contact per run, not once per page that named one of its invoices
 * (a 100,000-invoice backfill used to replan its contacts after every 1,000-invoice page).
 * A backfill, and a run that resumed one interrupted mid-way (it did not see the pages done
 * before the interruption), report the whole ledger as one change: the model is fitted and every
 * customer scored from one read of the ledger's history.
 */
export class SyncChanges {
  readonly invoiceIds = new Set<string>();
  readonly contactIds = new Set<string>();
  everything = false;

  add(resource: string, ids: { id: string }[]) {
    const into = resource === 'invoices' ? this.invoiceIds : resource === 'contacts' ? this.contactIds : undefined;
    if (into) for (const r of ids) into.add(r.id);
  }

  /**
   * Reports the changes in groups of CONTACTS_PER_REPORT contacts, each with its changed invoices
   * (a contact's invoices stay in one group, so it is scored and planned once), at most
   * INVOICES_PER_REPORT invoice ids a report (the handlers bind them as query parameters).
   */
  async report(db: Db, target: { firmId: string; ledgerId: string }, onChange: MirrorChangeHandler) {
    if (this.everything)
      return onChange({ ...target, invoiceIds: [], contactIds: [], source: 'sync', wholeLedger: true });
    const pairs = await ownersOf(db, [...this.invoiceIds]);
    const contacts = [...this.contactIds];
    const byContact = new Map<string, string[]>(contacts.map((c) => [c, []]));
    const unowned: string[] = [];
    for (const p of pairs) {
      if (!p.contactId) unowned.push(p.id);
      else byContact.set(p.contactId, [...(byContact.get(p.contactId) ?? []), p.id]);
    }
    let group: { contactIds: string[]; invoiceIds: string[] } = { contactIds: [], invoiceIds: [] };
    const flush = async () => {
      if (group.contactIds.length || group.invoiceIds.length) await onChange({ ...target, ...group, source: 'sync' });
      group = { contactIds: [], invoiceIds: [] };
    };
    for (const [contactId, invoiceIds] of byContact) {
      if (
        group.contactIds.length >= CONTACTS_PER_REPORT ||
        group.invoiceIds.length + invoiceIds.length > INVOICES_PER_REPORT
      )
        await flush();
      group.contactIds.push(contactId);
      group.invoiceIds.push(...invoiceIds.slice(0, INVOICES_PER_REPORT));
      // A contact with more invoices than one report holds: the rest in reports of their own.
      for (let i = INVOICES_PER_REPORT; i < invoiceIds.length; i += INVOICES_PER_REPORT) {
        await flush();
        group = { contactIds: [contactId], invoiceIds: invoiceIds.slice(i, i + INVOICES_PER_REPORT) };
      }
    }
    for (let i = 0; i < unowned.length; i += INVOICES_PER_REPORT) {
      await flush();
      group.invoiceIds = unowned.slice(i, i + INVOICES_PER_REPORT);
    }
    await flush();
  }
}

const CONTACTS_PER_REPORT = 500;
const INVOICES_PER_REPORT = 5_000;

async function ownersOf(db: Db, ids: string[]) {
  const out: { id: string; contactId: string | null }[] = [];
  for (let i = 0; i < ids.length; i += 10_000)
    out.push(
      ...(await db
        .select({ id: invoice.id, contactId: invoice.contactId })
        .from(invoice)
        .where(anyOf(invoice.id, ids.slice(i, i + 10_000), 'uuid'))),
    );
  return out;
}
