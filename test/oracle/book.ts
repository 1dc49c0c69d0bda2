/**
 * The ledger simulator's book: what a bookkeeper has done, provider-neutral, in integer cents.
 * Each provider world renders it into that provider's raw records; the oracle judges every sent
 * message against it. Money here is integer cents (never floating point).
 */
export type Cust = {
  id: string;
  name: string;
  email: string | null;
  active: boolean;
  supplier: boolean;
  parentId?: string;
  /** Merged into this customer (merged away). */
  mergedInto?: string;
  updated: number;
};
type InvState = 'draft' | 'open' | 'voided' | 'deleted';
export type Inv = {
  id: string;
  number: string;
  kind: 'sale' | 'bill';
  custId: string;
  total: number;
  issueDate: string;
  dueDate: string;
  state: InvState;
  /** QuickBooks BillEmail: the customer's address when the invoice was raised. */
  billEmail: string | null;
  updated: number;
};
export type Pay = {
  id: string;
  invId: string | null;
  custId: string;
  amount: number;
  active: boolean;
  date: string;
  updated: number;
};
export type Credit = {
  id: string;
  custId: string;
  kind: 'credit_note' | 'overpayment' | 'prepayment' | 'supplier_credit';
  total: number;
  alloc: { invId: string; amount: number }[];
  date: string;
  updated: number;
};

/** What changed, for the world to render and announce (a webhook the provider may send). */
export type Change = { entity: 'customer' | 'invoice' | 'payment' | 'credit'; id: string; op: string; extra?: string };

export class Book {
  customers: Cust[] = [];
  invoices: Inv[] = [];
  payments: Pay[] = [];
  credits: Credit[] = [];
  private seq = 0;
  constructor(
    readonly now: () => number,
    readonly idOf: (kind: string, n: number) => string,
  ) {}

  nextId(kind: string) {
    return this.idOf(kind, ++this.seq);
  }

  paid(inv: Inv) {
    return this.payments.filter((p) => p.active && p.invId === inv.id).reduce((s, p) => s + p.amount, 0);
  }
  credited(inv: Inv) {
    return this.credits.flatMap((c) => c.alloc.filter((a) => a.invId === inv.id)).reduce((s, a) => s + a.amount, 0);
  }
  due(inv: Inv) {
    if (inv.state !== 'open') return 0;
    return Math.max(0, inv.total - this.paid(inv) - this.credited(inv));
  }
  /** An open receivable: a sales invoice, approved, with money owed. */
  owed(inv: Inv) {
    return inv.kind === 'sale' && inv.state === 'open' && this.due(inv) > 0;
  }
  remaining(c: Credit) {
    return c.total - c.alloc.reduce((s, a) => s + a.amount, 0);
  }
  /** The debtor's credit not yet applied: customer credit notes, overpayments, unapplied payments. */
  availableCredit(custId: string) {
    const notes = this.credits
      .filter((c) => c.custId === custId && c.kind !== 'supplier_credit')
      .reduce((s, c) => s + this.remaining(c), 0);
    const unapplied = this.payments
      .filter((p) => p.custId === custId && p.active && p.invId === null)
      .reduce((s, p) => s + p.amount, 0);
    return notes + unapplied;
  }
  customer(id: string) {
    return this.customers.find((c) => c.id === id);
  }
  invoice(id: string) {
    return this.invoices.find((i) => i.id === id);
  }
  touch<T extends { updated: number }>(x: T): T {
    // Strictly increasing: two changes in one simulated instant are still ordered.
    x.updated = Math.max(this.now(), x.updated + 1);
    return x;
  }
}
