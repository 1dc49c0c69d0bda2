import type { QuickBooksFake } from '../support/quickbooks/fake.ts';
import type { Book, Change } from './book.ts';

type Raw = Record<string, unknown>;
type Realm = NonNullable<ReturnType<QuickBooksFake['realms']['get']>>;
const money = (cents: number) => cents / 100; // QuickBooks' JSON numbers, as its API sends them
const meta = (ms: number) => ({ CreateTime: new Date(ms).toISOString(), LastUpdatedTime: new Date(ms).toISOString() });

/**
 * The book as QuickBooks holds it: customers (jobs with a ParentRef), invoices with BillEmail
 * (bills are another entity, never listed as invoices), payments (applied or left unapplied),
 * credit memos. A voided invoice keeps its row with zero amounts; a deleted one leaves the
 * lists and appears in CDC as deleted. As in QuickBooks, deleting a payment changes the
 * invoice's balance without reporting the invoice changed.
 */
export function renderQuickBooks(book: Book, realm: Realm, deletedAt: Map<string, number>) {
  realm.Customer = book.customers
    .filter((c) => !c.supplier)
    .map((c) => ({
      Id: c.id,
      DisplayName: c.name,
      CompanyName: c.name,
      ...(c.email ? { PrimaryEmailAddr: { Address: c.email } } : {}),
      Active: c.active,
      ...(c.parentId ? { Job: true, ParentRef: { value: c.parentId } } : { Job: false }),
      MetaData: meta(c.updated),
    }));
  realm.Invoice = book.invoices
    .filter((i) => i.kind === 'sale' && i.state !== 'deleted')
    .map((i) => {
      const voided = i.state === 'voided';
      const shown = voided ? 0 : i.total;
      // Only what a payment recorded moves the balance (credit memos stay unapplied here).
      const balance = voided ? 0 : Math.max(0, i.total - book.paid(i));
      return {
        Id: i.id,
        DocNumber: i.number,
        CustomerRef: { value: i.custId, name: book.customer(i.custId)?.name },
        TxnDate: i.issueDate,
        DueDate: i.dueDate,
        TotalAmt: money(shown),
        Balance: money(balance),
        CurrencyRef: { value: 'USD' },
        ...(i.billEmail ? { BillEmail: { Address: i.billEmail } } : {}),
        ...(voided ? { PrivateNote: 'Voided' } : {}),
        EmailStatus: 'EmailSent',
        // A payment deleted later does not move this time (see above).
        MetaData: meta(i.updated),
      } satisfies Raw;
    });
  realm.Payment = book.payments
    .filter((p) => p.active)
    .map((p) => ({
      Id: p.id,
      CustomerRef: { value: p.custId },
      TxnDate: p.date,
      TotalAmt: money(p.amount),
      UnappliedAmt: p.invId ? 0 : money(p.amount),
      CurrencyRef: { value: 'USD' },
      Line: p.invId ? [{ Amount: money(p.amount), LinkedTxn: [{ TxnId: p.invId, TxnType: 'Invoice' }] }] : [],
      MetaData: meta(p.updated),
    }));
  realm.CreditMemo = book.credits
    .filter((c) => c.kind === 'credit_note')
    .map((c) => ({
      Id: c.id,
      DocNumber: `CM-${c.id}`,
      CustomerRef: { value: c.custId },
      TxnDate: c.date,
      TotalAmt: money(c.total),
      Balance: money(book.remaining(c)),
      CurrencyRef: { value: 'USD' },
      MetaData: meta(c.updated),
    }));
  const gone = [
    ...book.invoices
      .filter((i) => i.kind === 'sale' && i.state === 'deleted')
      .map((i) => ['Invoice', i.id, i.updated] as const),
    ...book.payments.filter((p) => !p.active).map((p) => ['Payment', p.id, p.updated] as const),
  ];
  realm.deleted = gone.map(([entity, id, at]) => {
    deletedAt.set(id, at);
    return { _entity: entity, Id: id, status: 'Deleted', MetaData: { LastUpdatedTime: new Date(at).toISOString() } };
  });
}

/**
 * The webhook entities QuickBooks sends for a change: Invoice, Customer (a merge carries the id
 * merged away), Payment, CreditMemo, and Bill for the business's own bills (not mirrored). A
 * payment recorded or deleted is announced on the payment only.
 */
export function quickBooksEvents(c: Change): { name: string; id: string; operation: string; deletedId?: string }[] {
  const op = { create: 'Create', update: 'Update', delete: 'Delete', void: 'Void', merge: 'Merge' }[c.op] ?? 'Update';
  switch (c.entity) {
    case 'invoice':
      if (c.extra === 'bill') return [{ name: 'Bill', id: c.id, operation: 'Create' }];
      // The balance change a payment makes is announced on the payment, not the invoice.
      return c.extra === 'paid' ? [] : [{ name: 'Invoice', id: c.id, operation: op }];
    case 'customer':
      return [{ name: 'Customer', id: c.id, operation: op, ...(c.op === 'merge' ? { deletedId: c.extra } : {}) }];
    case 'payment':
      return [{ name: 'Payment', id: c.id, operation: op }];
    case 'credit':
      return [{ name: 'CreditMemo', id: c.id, operation: op }];
    default:
      return [];
  }
}
