import fc from 'fast-check';
import type { Book, Change, Inv } from './book.ts';

/**
 * What bookkeepers do, and what the service does in between, as data: indices pick among what
 * exists when the step runs (an op that cannot apply is a no-op, so shrinking stays valid).
 */
export type Op =
  | { t: 'invoice'; cust: number; cents: number; dueIn: number; draft: boolean }
  | { t: 'bill'; cents: number }
  | { t: 'approveDraft'; inv: number }
  | { t: 'edit'; inv: number; cents: number }
  | { t: 'void'; inv: number }
  | { t: 'delete'; inv: number }
  | { t: 'pay'; inv: number; quarters: number }
  | { t: 'unpay'; pay: number }
  | { t: 'credit'; cust: number; cents: number; allocate: number | null }
  | { t: 'overpay'; cust: number; cents: number; prepay: boolean }
  | { t: 'supplierCredit'; cents: number }
  | { t: 'move'; inv: number; cust: number }
  | { t: 'merge'; from: number; into: number }
  | { t: 'archive'; cust: number }
  | { t: 'email'; cust: number }
  | { t: 'job'; parent: number }
  | { t: 'webhooks' }
  | { t: 'reconcile' }
  | { t: 'tick'; days: number }
  | { t: 'approve' };

const idx = fc.nat({ max: 7 });
const cents = fc.integer({ min: 1, max: 60 }).map((n) => n * 2_500); // 25.00 .. 1,500.00
export const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      t: fc.constant('invoice' as const),
      cust: idx,
      cents,
      dueIn: fc.integer({ min: -40, max: 10 }),
      draft: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('bill' as const), cents }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('approveDraft' as const), inv: idx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('edit' as const), inv: idx, cents }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('void' as const), inv: idx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('delete' as const), inv: idx }) },
  {
    weight: 2,
    arbitrary: fc.record({ t: fc.constant('pay' as const), inv: idx, quarters: fc.integer({ min: 1, max: 4 }) }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('unpay' as const), pay: idx }) },
  {
    weight: 2,
    arbitrary: fc.record({
      t: fc.constant('credit' as const),
      cust: idx,
      cents,
      allocate: fc.option(idx, { nil: null }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('overpay' as const), cust: idx, cents, prepay: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('supplierCredit' as const), cents }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('move' as const), inv: idx, cust: idx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('merge' as const), from: idx, into: idx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('archive' as const), cust: idx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('email' as const), cust: idx }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('job' as const), parent: idx }) },
  { weight: 3, arbitrary: fc.constant({ t: 'webhooks' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'reconcile' as const }) },
  { weight: 6, arbitrary: fc.record({ t: fc.constant('tick' as const), days: fc.integer({ min: 0, max: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ t: 'approve' as const }) },
);

const pick = <T>(list: T[], i: number): T | undefined => (list.length ? list[i % list.length] : undefined);
const cents2 = (n: number) => n;

/** Applies one bookkeeping op to the book; returns what changed (empty when it could not apply). */
export function applyOp(book: Book, op: Op, today: string, provider: 'xero' | 'quickbooks'): Change[] {
  const customers = book.customers.filter((c) => c.active && !c.supplier);
  const live = book.invoices.filter((i) => i.kind === 'sale' && i.state !== 'deleted' && i.state !== 'voided');
  const inv = (i: number) => pick(live, i);
  switch (op.t) {
    case 'invoice': {
      const c = pick(customers, op.cust);
      if (!c) return [];
      const due = addDays(today, op.dueIn);
      const row: Inv = {
        id: book.nextId('invoice'),
        number: `INV-${book.invoices.length + 1}`,
        kind: 'sale',
        custId: c.id,
        total: cents2(op.cents),
        issueDate: addDays(due, -30),
        dueDate: due,
        // QuickBooks has no drafts: an invoice exists once saved.
        state: op.draft && provider === 'xero' ? 'draft' : 'open',
        billEmail: c.email,
        updated: 0,
      };
      book.invoices.push(book.touch(row));
      return [{ entity: 'invoice', id: row.id, op: 'create' }];
    }
    case 'bill': {
      const s = book.customers.find((c) => c.supplier)!;
      const row: Inv = {
        id: book.nextId('bill'),
        number: `BILL-${book.invoices.length + 1}`,
        kind: 'bill',
        custId: s.id,
        total: op.cents,
        issueDate: addDays(today, -40),
        dueDate: addDays(today, -10),
        state: 'open',
        billEmail: null,
        updated: 0,
      };
      book.invoices.push(book.touch(row));
      return [{ entity: 'invoice', id: row.id, op: 'create', extra: 'bill' }];
    }
    case 'approveDraft': {
      const i = pick(
        live.filter((x) => x.state === 'draft'),
        op.inv,
      );
      if (!i) return [];
      i.state = 'open';
      return [{ entity: 'invoice', id: book.touch(i).id, op: 'update' }];
    }
    case 'edit': {
      const i = inv(op.inv);
      if (!i || op.cents < book.paid(i) + book.credited(i)) return [];
      i.total = op.cents;
      return [{ entity: 'invoice', id: book.touch(i).id, op: 'update' }];
    }
    case 'void': {
      const i = inv(op.inv);
      if (!i || book.paid(i) + book.credited(i) > 0) return [];
      i.state = 'voided';
      return [{ entity: 'invoice', id: book.touch(i).id, op: 'void' }];
    }
    case 'delete': {
      const i = inv(op.inv);
      // Xero deletes drafts only; QuickBooks deletes any invoice without payments.
      if (!i || book.paid(i) + book.credited(i) > 0 || (provider === 'xero' && i.state !== 'draft')) return [];
      i.state = 'deleted';
      return [{ entity: 'invoice', id: book.touch(i).id, op: 'delete' }];
    }
    case 'pay': {
      const i = inv(op.inv);
      if (!i || !book.owed(i)) return [];
      const amount = op.quarters === 4 ? book.due(i) : Math.max(1, Math.floor((book.due(i) * op.quarters) / 4));
      const p = {
        id: book.nextId('payment'),
        invId: i.id,
        custId: i.custId,
        amount,
        active: true,
        date: today,
        updated: 0,
      };
      book.payments.push(book.touch(p));
      book.touch(i);
      return [
        { entity: 'payment', id: p.id, op: 'create' },
        { entity: 'invoice', id: i.id, op: 'update', extra: 'paid' },
      ];
    }
    case 'unpay': {
      const p = pick(
        book.payments.filter((x) => x.active && x.invId),
        op.pay,
      );
      if (!p) return [];
      p.active = false;
      book.touch(p);
      const i = book.invoice(p.invId!)!;
      // Xero moves the invoice's update time; QuickBooks changes its balance without doing so.
      if (provider === 'xero') book.touch(i);
      return [
        { entity: 'payment', id: p.id, op: 'delete' },
        { entity: 'invoice', id: i.id, op: 'update', extra: 'paid' },
      ];
    }
    case 'credit': {
      const c = pick(customers, op.cust);
      if (!c) return [];
      const target =
        op.allocate === null
          ? undefined
          : pick(
              live.filter((x) => x.custId === c.id && book.owed(x)),
              op.allocate,
            );
      // QuickBooks credit memos stay unapplied here (applying one is a payment of its own).
      const allocate = provider === 'xero' && target ? Math.min(op.cents, book.due(target)) : 0;
      const n = {
        id: book.nextId('credit'),
        custId: c.id,
        kind: 'credit_note' as const,
        total: op.cents,
        alloc: allocate ? [{ invId: target!.id, amount: allocate }] : [],
        date: today,
        updated: 0,
      };
      book.credits.push(book.touch(n));
      const changes: Change[] = [{ entity: 'credit', id: n.id, op: 'create' }];
      if (allocate) changes.push({ entity: 'invoice', id: book.touch(target!).id, op: 'update', extra: 'credited' });
      return changes;
    }
    case 'overpay': {
      const c = pick(customers, op.cust);
      if (!c) return [];
      if (provider === 'xero') {
        const n = {
          id: book.nextId('overpayment'),
          custId: c.id,
          kind: op.prepay ? ('prepayment' as const) : ('overpayment' as const),
          total: op.cents,
          alloc: [],
          date: today,
          updated: 0,
        };
        book.credits.push(book.touch(n));
        // Xero sends no webhook for overpayments or prepayments.
        return [{ entity: 'credit', id: n.id, op: 'create', extra: 'unannounced' }];
      }
      const p = {
        id: book.nextId('payment'),
        invId: null,
        custId: c.id,
        amount: op.cents,
        active: true,
        date: today,
        updated: 0,
      };
      book.payments.push(book.touch(p));
      return [{ entity: 'payment', id: p.id, op: 'create' }];
    }
    case 'supplierCredit': {
      // A credit from the business's supplier (Xero ACCPAYCREDIT, announced as CREDITNOTE): never
      // the customers' credit. QuickBooks keeps these as vendor credits, never credit memos.
      if (provider !== 'xero') return [];
      const s = book.customers.find((c) => c.supplier)!;
      const n = {
        id: book.nextId('credit'),
        custId: s.id,
        kind: 'supplier_credit' as const,
        total: op.cents,
        alloc: [],
        date: today,
        updated: 0,
      };
      book.credits.push(book.touch(n));
      return [{ entity: 'credit', id: n.id, op: 'create' }];
    }
    case 'move': {
      const i = inv(op.inv);
      const c = pick(customers, op.cust);
      if (!i || !c || c.id === i.custId || book.paid(i) + book.credited(i) > 0) return [];
      i.custId = c.id;
      i.billEmail = c.email;
      return [{ entity: 'invoice', id: book.touch(i).id, op: 'update' }];
    }
    case 'merge': {
      const from = pick(customers, op.from);
      const into = pick(customers, op.into);
      if (!from || !into || from.id === into.id) return [];
      for (const i of book.invoices.filter((x) => x.custId === from.id)) {
        i.custId = into.id;
        book.touch(i);
      }
      // Payments and credit move too: QuickBooks reports them changed, Xero does not (its
      // merged-away contact names the survivor in MergedToContactID instead).
      for (const x of [...book.payments, ...book.credits])
        if (x.custId === from.id) {
          x.custId = into.id;
          if (provider === 'quickbooks') book.touch(x);
        }
      from.active = false;
      from.mergedInto = into.id;
      book.touch(from);
      // The ledger announces the merge on the customers only, never on each invoice moved.
      return [{ entity: 'customer', id: into.id, op: 'merge', extra: from.id }];
    }
    case 'archive': {
      const c = pick(customers, op.cust);
      if (!c) return [];
      c.active = false;
      return [{ entity: 'customer', id: book.touch(c).id, op: 'update' }];
    }
    case 'email': {
      const c = pick(customers, op.cust);
      if (!c) return [];
      c.email = `ap${book.nextId('mail').replace(/\W/g, '')}@${c.name.toLowerCase().replace(/\W/g, '')}.example`;
      return [{ entity: 'customer', id: book.touch(c).id, op: 'update' }];
    }
    case 'job': {
      const parent = pick(
        customers.filter((c) => !c.parentId),
        op.parent,
      );
      if (!parent) return [];
      const c = {
        id: book.nextId('customer'),
        name: `${parent.name} site ${book.customers.length}`,
        // A QuickBooks job usually has no address of its own; a Xero contact always gets one here.
        email: provider === 'quickbooks' ? null : `ap@site${book.customers.length}.example`,
        active: true,
        supplier: false,
        parentId: provider === 'quickbooks' ? parent.id : undefined,
        updated: 0,
      };
      book.customers.push(book.touch(c));
      return [{ entity: 'customer', id: c.id, op: 'create' }];
    }
    default:
      return [];
  }
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
