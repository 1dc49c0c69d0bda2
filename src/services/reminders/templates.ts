import {
  BUILT_IN_TEMPLATES,
  type Rendered,
  renderTemplate,
  type Template,
  unknownPlaceholders,
} from '../../domain/cadence/templates.ts';
import { ValidationError } from '../../errors.ts';

/** Two sample invoices, one overdue and one not yet due, so every placeholder shows something. */
const SAMPLE = [
  {
    number: 'INV-1001',
    currency: 'NZD',
    amountDue: '1150.00',
    dueDate: '2026-10-31',
    daysOverdue: 22,
    payLink: 'https://pay.example.com/INV-1001',
  },
  { number: 'INV-1009', currency: 'NZD', amountDue: '230.00', dueDate: '2026-11-30', daysOverdue: -8, payLink: null },
];

/** A template (built-in key or the user's own text) rendered with sample data; unknown placeholders are an error. */
export function previewTemplate(
  template: string | Template,
  names: { businessName: string; contactName: string },
): Rendered {
  const t = typeof template === 'string' ? BUILT_IN_TEMPLATES[template] : template;
  if (!t) throw new ValidationError(`no template "${String(template)}"`);
  const unknown = unknownPlaceholders(t);
  if (unknown.length)
    throw new ValidationError(
      'template uses unknown placeholders',
      unknown.map((u) => ({ path: 'template', message: `unknown placeholder {{${u}}}` })),
    );
  return renderTemplate(t, { ...names, lines: SAMPLE, optOutLink: 'https://overdue.example.com/unsubscribe/sample' });
}
