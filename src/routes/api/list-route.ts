import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { toCsv } from '../../domain/csv.ts';

/** A list's query parameters plus the format it is answered in. */
export const withFormat = <S extends z.ZodRawShape>(query: z.ZodObject<S>) =>
  query.extend({ format: z.enum(['json', 'csv']).default('json') });

/** The 200 of a list: a page of `key` items with the filter's total, or every page as CSV. */
export const listResponses = (key: string, item: z.ZodType, description: string) => ({
  200: {
    description,
    content: {
      'application/json': {
        schema: z.object({
          total: z.number().int(),
          limit: z.number().int(),
          offset: z.number().int(),
          [key]: z.array(item),
        }),
      },
      'text/csv': { schema: z.string() },
    },
  },
});

/** Answers a list request as JSON (one page) or as a CSV download (every page of the filter). */
export async function answerList<J>(
  c: Context,
  format: 'json' | 'csv',
  filename: string,
  page: () => Promise<J>,
  rows: () => Promise<(string | number | null | undefined)[][]>,
) {
  if (format === 'json') return c.json(await page(), 200);
  return c.body(toCsv(await rows()), 200, {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${filename}"`,
  });
}
