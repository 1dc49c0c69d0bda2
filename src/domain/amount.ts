import { z } from 'zod';

/**
 * An amount as people and agencies type it and the ledger stores it: digits, up to 4 decimals,
 * no sign, no grouping, no exponent (at most 15 whole digits, the numeric column's reach). The one
 * definition for every API body, form, CSV import and callback.
 */
export const AMOUNT = /^\d{1,15}(\.\d{1,4})?$/;

/** The schema of such an amount; `example` shows the reader what is meant. */
export const amountSchema = (example = '250.00') => z.string().regex(AMOUNT, `a positive decimal like ${example}`);
