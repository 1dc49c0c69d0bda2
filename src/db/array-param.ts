import { type Column, type SQL, sql } from 'drizzle-orm';

/**
 * A Postgres array literal of text values, every element quoted: one bind parameter however many
 * values, where drizzle's inArray binds one per value. A statement with 200 ids then costs one
 * parameter to build, encode and describe, and its text (so its plan) is the same for any count.
 */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** `column = any($1::<type>[])`: membership in a list bound as one array parameter. */
export function anyOf(column: Column | SQL, values: readonly string[], type: 'text' | 'uuid' = 'text'): SQL {
  return sql`${column} = any(${textArrayLiteral(values)}::${sql.raw(type)}[])`;
}
