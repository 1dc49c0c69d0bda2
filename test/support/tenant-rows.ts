import { randomBytes, randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../../src/db/client.ts';

/**
 * One row in each of `tables` (and in what they require) for a firm, made from the catalogue rather than by hand,
 * so a table added later is covered without a change here: required columns get a value of their
 * type, foreign keys point at the same firm's row of the referenced table (made first), and
 * `firm_id` is the firm. Runs as the tables' owner (or a superuser).
 */
type Column = { table: string; name: string; required: boolean; type: string; category: string; typeOid: number };
type ForeignKey = { table: string; columns: string[]; refTable: string; refColumns: string[] };

export type TenantRows = Map<string, Record<string, unknown>>;

export async function rowsForFirm(db: Db, firmId: string, tables: string[]): Promise<TenantRows> {
  const columns = await queryRows<Column>(
    db,
    sql`select c.relname as "table", a.attname as name,
               (a.attnotnull and not a.atthasdef and a.attidentity = '' and a.attgenerated = '') as required,
               format_type(a.atttypid, a.atttypmod) as type, t.typcategory as category, a.atttypid::int as "typeOid"
        from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
        join pg_type t on t.oid = a.atttypid
        where n.nspname = current_schema() and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
        order by c.relname, a.attnum`,
  );
  const keys = await queryRows<ForeignKey>(
    db,
    sql`select cl.relname as "table", rcl.relname as "refTable",
               json_agg(a.attname order by k.i) as columns, json_agg(ra.attname order by k.i) as "refColumns"
        from pg_constraint co
        join pg_class cl on cl.oid = co.conrelid join pg_class rcl on rcl.oid = co.confrelid
        join pg_namespace n on n.oid = cl.relnamespace
        cross join lateral unnest(co.conkey, co.confkey) with ordinality as k(l, r, i)
        join pg_attribute a on a.attrelid = co.conrelid and a.attnum = k.l
        join pg_attribute ra on ra.attrelid = co.confrelid and ra.attnum = k.r
        where co.contype = 'f' and n.nspname = current_schema()
        group by co.oid, cl.relname, rcl.relname`,
  );
  const enumFirst = new Map<number, string>();
  for (const e of await queryRows<{ oid: number; label: string }>(
    db,
    sql`select distinct on (enumtypid) enumtypid::int as oid, enumlabel as label from pg_enum order by enumtypid, enumsortorder`,
  ))
    enumFirst.set(e.oid, e.label);

  const made: TenantRows = new Map();
  const [firm] = await queryRows<Record<string, unknown>>(db, sql`select * from firm where id = ${firmId}`);
  if (firm) made.set('firm', firm);
  const make = async (table: string, trail: string[] = []): Promise<Record<string, unknown>> => {
    const existing = made.get(table);
    if (existing) return existing;
    if (trail.includes(table)) throw new Error(`required foreign keys form a cycle: ${[...trail, table].join(' → ')}`);
    const cols = columns.filter((c) => c.table === table);
    const values = new Map<string, unknown>();
    if (cols.some((c) => c.name === 'firm_id')) values.set('firm_id', firmId);
    if (table === 'firm') values.set('id', firmId);
    for (const fk of keys.filter((k) => k.table === table)) {
      const needed = fk.columns.some((c) => c === 'firm_id' || cols.find((x) => x.name === c)?.required);
      if (!needed) continue;
      const ref = await make(fk.refTable, [...trail, table]);
      for (const [i, c] of fk.columns.entries()) values.set(c, ref[fk.refColumns[i]!]);
    }
    for (const c of cols)
      if (c.required && !values.has(c.name)) values.set(c.name, sampleValue(c, enumFirst.get(c.typeOid)));
    const names = [...values.keys()];
    const typed = (n: string): SQL => {
      const c = cols.find((x) => x.name === n)!;
      const v = values.get(n);
      return sql`${v === null ? null : String(v)}::${sql.raw(c.type)}`;
    };
    const [row] = await queryRows<Record<string, unknown>>(
      db,
      sql`insert into ${sql.identifier(table)} (${sql.join(
        names.map((n) => sql.identifier(n)),
        sql`, `,
      )}) values (${sql.join(names.map(typed), sql`, `)}) returning *`,
    );
    made.set(table, row!);
    return row!;
  };
  for (const table of tables) await make(table);
  return made;
}

function sampleValue(c: Column, enumLabel: string | undefined): unknown {
  if (c.category === 'E') return enumLabel;
  if (c.category === 'A') return '{}';
  if (c.category === 'B') return false;
  if (c.category === 'N') return '0';
  if (c.category === 'D') return c.type === 'date' ? '2026-01-01' : '2026-01-01T00:00:00Z';
  if (c.type === 'uuid') return randomUUID();
  if (c.type === 'jsonb' || c.type === 'json') return '{}';
  if (c.type === 'bytea') return '\\x00';
  return `t_${randomBytes(8).toString('hex')}`;
}
