import { ledgerSettings } from '../../domain/ledger-settings.ts';
import type { contact, invoice, ledger } from '../../db/schema/index.ts';
import { daysBetween } from '../../domain/dates.ts';
import { formatMoney } from '../../domain/money.ts';
import { BUILT_IN_TEMPLATES, type Rendered, renderTemplate } from '../../domain/cadence/templates.ts';

/** The message for a reminder from mirror rows: the same for the preview and the real send. */
export function composeMessage(args: {
  templateKey: string;
  contactRow: typeof contact.$inferSelect;
  ledgerRow: typeof ledger.$inferSelect;
  invoices: (typeof invoice.$inferSelect)[];
  today: string;
  optOutLink: string;
  /** The debtor's unapplied credit per currency (it covers none of the chased amount in full). */
  credit?: ReadonlyMap<string, bigint>;
}): Rendered {
  const l = args.ledgerRow;
  return renderTemplate(BUILT_IN_TEMPLATES[args.templateKey] ?? BUILT_IN_TEMPLATES.neutral!, {
    businessName: l.legalName ?? l.name,
    contactName: args.contactRow.name,
    optOutLink: args.optOutLink,
    lines: args.invoices.map((i) => ({
      number: i.number ?? i.externalId,
      currency: i.currency,
      amountDue: i.amountDue,
      dueDate: i.dueDate,
      daysOverdue: i.dueDate ? daysBetween(i.dueDate, args.today) : 0,
      payLink: i.onlineUrl,
    })),
    discountTerms: ledgerSettings(l.settings).discountTerms,
    lateFeeTerms: ledgerSettings(l.settings).lateFeeTerms,
    credits: [...(args.credit ?? [])]
      .filter(([currency, units]) => units > 0n && args.invoices.some((i) => i.currency === currency))
      .map(([currency, units]) => formatMoney(units, currency)),
  });
}
