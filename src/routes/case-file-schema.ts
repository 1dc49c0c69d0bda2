import { z } from '@hono/zod-openapi';

/**
 * The case file an agency receives (domain/handoff/case-file.ts `CaseFile`, cut to the agency's
 * allow-list by `restrict`), as the API contract describes it: for the export route and for the
 * `case.created` call we make to a webhook agency. Fields outside the always-sent core appear
 * only when the agency is allowed them. A test holds a real export to this schema, strictly.
 */
const date = z.string().describe('YYYY-MM-DD');
const amount = z.string().describe('decimal string, in `currency`');

const Debtor = z
  .object({
    name: z.string(),
    legalName: z.string().nullable(),
    addresses: z.array(
      z
        .object({
          lines: z.array(z.string()),
          city: z.string().optional(),
          region: z.string().optional(),
          postalCode: z.string().optional(),
          country: z.string().optional(),
        })
        .strict(),
    ),
    emails: z.array(z.string()),
    phones: z.array(z.string()),
    taxNumber: z.string().nullable(),
    companyNumber: z.string().nullable(),
  })
  .partial()
  .strict();

export const CaseFileSchema = z
  .object({
    caseId: z.string(),
    reference: z.string().describe('OD-…, quote it in every reply'),
    amount,
    currency: z.string(),
    approvedAt: z.string(),
    creditor: z.object({ name: z.string(), legalName: z.string().nullable(), country: z.string().nullable() }).strict(),
    debtor: Debtor.optional(),
    invoices: z
      .array(
        z
          .object({
            number: z.string().nullable(),
            issueDate: date,
            dueDate: date,
            total: amount,
            paid: amount,
            credited: amount,
            due: amount,
            daysOverdue: z.number().int(),
            link: z.string().nullable().optional().describe('the online invoice, when allowed'),
          })
          .strict(),
      )
      .optional(),
    payments: z.array(z.object({ date, amount, invoiceNumbers: z.array(z.string().nullable()) }).strict()).optional(),
    credits: z
      .array(
        z
          .object({ date, number: z.string().nullable(), amount, invoiceNumbers: z.array(z.string().nullable()) })
          .strict(),
      )
      .optional(),
    statement: z
      .object({
        itemisedFrom: date,
        asOf: date,
        lines: z.array(
          z
            .object({
              date,
              kind: z.enum(['invoice', 'payment', 'credit']),
              reference: z.string().nullable(),
              debit: amount,
              credit: amount,
              balance: amount,
            })
            .strict(),
        ),
        balance: amount,
      })
      .strict()
      .optional(),
    communications: z
      .array(
        z
          .object({
            at: z.string(),
            channel: z.literal('email'),
            to: z.array(z.string()),
            subject: z.string(),
            status: z.string(),
          })
          .strict(),
      )
      .optional(),
    promises: z
      .array(z.object({ invoiceNumber: z.string().nullable(), promisedBy: date, kept: z.boolean() }).strict())
      .optional(),
    paymentPlans: z
      .array(
        z
          .object({
            invoiceNumber: z.string().nullable(),
            instalments: z.array(z.object({ dueDate: date, amount }).strict()),
            missed: z.number().int(),
          })
          .strict(),
      )
      .optional(),
    notes: z.array(z.object({ at: z.string(), text: z.string() }).strict()).optional(),
  })
  .strict()
  .openapi('CaseFile');
