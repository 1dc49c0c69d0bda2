import type { Clock } from '../../src/lib/clock.ts';
import {
  type AccountingConnector,
  ConnectorError,
  type Page,
  type PageRequest,
  type RecordOf,
  type Resource,
} from '../types.ts';
import { type DemoBook, generateDemoBook } from './generate.ts';
import { contactAt, creditNotesAt, invoiceAt, paymentsAt } from './state.ts';

export type DemoOptions = { seed: number; anchor: string; clock: Clock; pageSize?: number; customers?: number };

/**
 * A simulated ledger behind the same port as Xero and QuickBooks: what a new user sees with no
 * account, and what load tests drive. Notes written back are kept in memory.
 */
export class DemoConnector implements AccountingConnector {
  readonly provider = 'demo' as const;
  readonly book: DemoBook;
  readonly notes = new Map<string, string[]>();
  private readonly pageSize: number;

  constructor(private readonly opts: DemoOptions) {
    this.book = generateDemoBook(opts.seed, opts.anchor, opts.customers);
    this.pageSize = opts.pageSize ?? 500;
  }

  async listLedgers() {
    return [this.book.ledger];
  }

  private check(ledgerId: string) {
    if (ledgerId !== this.book.ledger.externalId) {
      throw new ConnectorError('not_found', `no demo ledger ${ledgerId}`, { provider: 'demo', status: 404 });
    }
  }

  private all<R extends Resource>(resource: R): RecordOf<R>[] {
    const now = this.opts.clock.now();
    const list =
      resource === 'contacts'
        ? this.book.customers.filter((c) => c.createdAt <= now).map(contactAt)
        : resource === 'invoices'
          ? this.book.invoices.map((i) => invoiceAt(i, now)).filter((i) => i !== null)
          : resource === 'payments'
            ? paymentsAt(this.book, now)
            : creditNotesAt(this.book, now);
    return list as RecordOf<R>[];
  }

  async page<R extends Resource>(ledgerId: string, resource: R, req: PageRequest): Promise<Page<RecordOf<R>>> {
    this.check(ledgerId);
    const since = req.modifiedSince?.getTime() ?? -Infinity;
    const rows = this.all(resource)
      .filter((r) => r.updatedAt.getTime() >= since)
      .sort((a, b) => a.updatedAt.getTime() - b.updatedAt.getTime() || a.externalId.localeCompare(b.externalId));
    const offset = req.cursor ? Number.parseInt(req.cursor, 10) : 0;
    if (!Number.isInteger(offset) || offset < 0) {
      throw new ConnectorError('validation', `bad cursor ${req.cursor}`, { provider: 'demo' });
    }
    const items = rows.slice(offset, offset + this.pageSize);
    const next = offset + this.pageSize;
    return {
      items,
      nextCursor: next < rows.length ? String(next) : undefined,
      estimatedPages: Math.max(1, Math.ceil(rows.length / this.pageSize)),
    };
  }

  async fetchOne<R extends Resource>(ledgerId: string, resource: R, externalId: string) {
    this.check(ledgerId);
    return this.all(resource).find((r) => r.externalId === externalId) ?? null;
  }

  async onlineInvoiceUrl(ledgerId: string, invoiceExternalId: string) {
    const inv = await this.fetchOne(ledgerId, 'invoices', invoiceExternalId);
    return inv?.onlineUrl ?? null;
  }

  async addInvoiceNote(ledgerId: string, invoiceExternalId: string, note: string) {
    this.check(ledgerId);
    const list = this.notes.get(invoiceExternalId) ?? [];
    list.push(note);
    this.notes.set(invoiceExternalId, list);
  }
}
