import { randomUUID } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { eq } from 'drizzle-orm';
import type { AccountingConnector, Contact, Invoice } from '../../connectors/types.ts';
import type { Db } from '../../src/db/client.ts';
import { contact, type invoice } from '../../src/db/schema/index.ts';
import { fixedClock } from '../../src/lib/clock.ts';
import { captureLogger } from './deps.ts';
import { captureMailer, type Mailer } from '../../src/notify/mailer.ts';
import type { DeliverDeps } from '../../src/services/reminders/deliver.ts';
import { makeFirm, makeLedger } from './factories.ts';

/** The ledger's side, in memory: what a pre-send fetch sees, and the notes written back. */
function stubConnector(currentDb: () => Db) {
  const invoices = new Map<string, Invoice>();
  /** The customer as the mirror has it (tests change customers through the mirror). */
  const customer = async (id: string): Promise<Contact | null> => {
    const [row] = await currentDb().select().from(contact).where(eq(contact.externalId, id));
    if (!row) return null;
    const { email, legalName, phone, timezone, country, taxNumber, companyNumber, parentExternalId } = row;
    return {
      ...row,
      email: email ?? undefined,
      legalName: legalName ?? undefined,
      phone: phone ?? undefined,
      timezone: timezone ?? undefined,
      country: country ?? undefined,
      taxNumber: taxNumber ?? undefined,
      companyNumber: companyNumber ?? undefined,
      parentExternalId: parentExternalId ?? undefined,
      status: row.status as Contact['status'],
      updatedAt: row.providerUpdatedAt,
    };
  };
  const notes: { id: string; note: string }[] = [];
  let fetches = 0;
  const connector = {
    provider: 'xero',
    fetchOne: async (_l: string, resource: string, id: string) => {
      if (resource === 'contacts') return customer(id);
      fetches++;
      return resource === 'invoices' ? (structuredClone(invoices.get(id)) ?? null) : null;
    },
    onlineInvoiceUrl: async (_l: string, id: string) => (invoices.has(id) ? `https://pay.example/i/${id}` : null),
    addInvoiceNote: async (_l: string, id: string, note: string) => void notes.push({ id, note }),
  } as unknown as AccountingConnector;
  /** Mirrors a row into the ledger side, optionally changed (a payment the mirror has not heard of). */
  const put = (row: typeof invoice.$inferSelect, change: Partial<Invoice> = {}) =>
    invoices.set(row.externalId, {
      externalId: row.externalId,
      contactExternalId: row.contactExternalId,
      number: row.number ?? undefined,
      status: row.status,
      currency: row.currency,
      issueDate: row.issueDate,
      dueDate: row.dueDate ?? undefined,
      total: row.total,
      amountDue: row.amountDue,
      amountPaid: row.amountPaid,
      amountCredited: row.amountCredited,
      sentToContact: true,
      updatedAt: row.providerUpdatedAt,
      ...change,
    });
  return {
    connector,
    invoices,
    notes,
    put,
    get fetches() {
      return fetches;
    },
  };
}

/** A firm and a Xero-like ledger in Auckland whose connector is the stub. */
export async function reminderWorld(
  db: Db,
  opts: { safeMode?: boolean; mailer?: Mailer; now?: string; currentDb?: () => Db } = {},
) {
  const firm = await makeFirm(db);
  const l = await makeLedger(db, firm.id, {
    provider: 'xero',
    externalId: randomUUID(),
    name: 'Harbour Dental',
    legalName: 'Harbour Dental Limited',
    timezone: 'Pacific/Auckland',
    country: 'NZ',
    baseCurrency: 'NZD',
    safeMode: opts.safeMode ?? false,
    settings: { replyTo: 'accounts@harbourdental.example' },
  });
  const stub = stubConnector(opts.currentDb ?? (() => db));
  const clock = fixedClock(opts.now ?? '2026-11-16T20:00:00Z'); // Tue 17 Nov 09:00 in Auckland
  const logger = captureLogger();
  const deps: DeliverDeps = {
    db,
    clock,
    logger,
    resolve: async () => stub.connector,
    mailer: opts.mailer ?? captureMailer,
    publicUrl: 'https://overdue.example.com',
    mailFrom: 'reminders@overdue.example.com',
  };
  return { firm, ledger: l, stub, clock, logger, deps };
}

type ReceivedMail = Awaited<ReturnType<typeof simpleParser>> & { envelopeTo: string[] };

/** A real SMTP server on loopback: what nodemailer delivers is parsed and kept. */
export async function smtpSink(opts: { reject?: (rcpt: string) => number | null } = {}) {
  const received: ReceivedMail[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const code = opts.reject?.(address.address);
      if (code) return cb(Object.assign(new Error('mailbox unavailable'), { responseCode: code }));
      cb();
    },
    onData(stream, session, cb) {
      simpleParser(stream)
        .then((mail) => {
          received.push(Object.assign(mail, { envelopeTo: session.envelope.rcptTo.map((r) => r.address) }));
          cb();
        })
        .catch(cb);
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as { port: number }).port;
  return { url: `smtp://127.0.0.1:${port}`, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}
