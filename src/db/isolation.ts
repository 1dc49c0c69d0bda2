import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from './client.ts';

/**
 * Tenant isolation in the database itself, beneath the `firm_id` filter every query writes: each
 * tenant table has a row-level security policy (schema/columns.ts `firmIsolation`) that lets a
 * role which neither owns the tables nor is a superuser see and write only the rows of the firm
 * its transaction names, and nothing when it names none.
 */

/** The role the service's queries are meant to run as: no login, no superuser, no BYPASSRLS. */
export const APP_ROLE = 'overdue_app';

const ident = (name: string): SQL => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain role name: ${name}`);
  return sql.raw(`"${name}"`);
};

/**
 * Creates the role if it is missing and grants it what the service does to the tables of the
 * current schema (read and write rows, use sequences), nothing more. Safe to run again and from
 * several processes at once (a role is shared by every database of a server).
 */
export async function ensureAppRole(db: Db, role = APP_ROLE): Promise<void> {
  const name = ident(role);
  await db.execute(sql`
    do $$ begin
      create role ${name} nologin nosuperuser nobypassrls;
    exception when duplicate_object or unique_violation then null;
    end $$`);
  await db.execute(sql`grant usage on schema public to ${name}`);
  await db.execute(sql`grant select, insert, update, delete on all tables in schema public to ${name}`);
  await db.execute(sql`grant usage, select on all sequences in schema public to ${name}`);
  // The service's own login takes on the role for each request (asFirm): it must be a member.
  // (A DO block takes no parameters; the name is checked above.)
  await db.execute(
    sql.raw(`do $$ begin
      if not pg_has_role(current_user, '${role}', 'member') then
        execute format('grant %I to %I', '${role}', current_user);
      end if;
    end $$`),
  );
}

/**
 * Runs `fn` in one transaction as the service's role, acting for `firmId`: every statement in it
 * sees and writes that firm's rows only, whatever filter it forgot. Role and firm end with the
 * transaction, so nothing leaks to the next user of a pooled connection.
 */
export function asFirm<T>(db: Db, firmId: string, fn: (tx: Db) => Promise<T>, role = APP_ROLE): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local role ${ident(role)}`);
    await tx.execute(sql`select set_config('overdue.firm_id', ${firmId}, true)`);
    return fn(tx as unknown as Db);
  });
}

/**
 * The one way for work done for a firm to read or write beyond it (the firms a user belongs to,
 * accepting another firm's invitation, signing in to it): named by `why`, logged, and back under
 * the firm's role when `fn` ends. Outside asFirm it changes nothing.
 */
export async function acrossFirms<T>(
  db: Db,
  why: string,
  logger: { info(msg: string, data?: Record<string, unknown>): void },
  fn: (db: Db) => Promise<T>,
): Promise<T> {
  const [me] = await queryRows<{ role: string; scoped: boolean }>(
    db,
    sql`select current_user as role, current_user <> session_user as scoped`,
  );
  if (!me?.scoped) return fn(db);
  logger.info('across firms', { why });
  await db.execute(sql`set local role none`);
  try {
    return await fn(db);
  } finally {
    // Fails only when an error has aborted the transaction, which then rolls back whole anyway.
    await db.execute(sql`set local role ${ident(me.role)}`).catch(() => {});
  }
}

/**
 * Tables that hold one firm's rows: every table of the schema with a `firm_id` column, and the
 * firm table itself. Read from the catalogue, so a new table cannot be missed.
 */
export async function tenantTables(db: Pick<Db, 'execute'>): Promise<string[]> {
  const rows = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind = 'r'
          and (c.relname = 'firm' or exists (
            select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'firm_id' and not a.attisdropped))
        order by 1`,
  );
  return rows.map((r) => r.name);
}

/**
 * What keeps row-level security from holding for the role the connection runs as, one line each,
 * naming it: empty when isolation holds. The service will refuse to start on any of these.
 */
export async function isolationProblems(db: Pick<Db, 'execute'>, opts: { forced?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  const [me] = await queryRows<{ role: string; superuser: boolean; bypass: boolean }>(
    db,
    sql`select current_user as role, rolsuper as superuser, rolbypassrls as bypass
        from pg_roles where rolname = current_user`,
  );
  if (me?.superuser) problems.push(`the database role ${me.role} is a superuser, which ignores row-level security`);
  if (me?.bypass) problems.push(`the database role ${me?.role} has BYPASSRLS, which ignores row-level security`);
  const owned = await queryRows<{ name: string }>(
    db,
    sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind = 'r' and pg_get_userbyid(c.relowner) = current_user
        order by 1`,
  );
  if (owned.length)
    problems.push(
      `the database role ${me?.role} owns tables (${owned.map((o) => o.name).join(', ')}): run migrations as another role`,
    );
  const tables = await tenantTables(db);
  const flags = await queryRows<{ name: string; rls: boolean; forced: boolean }>(
    db,
    sql`select c.relname as name, c.relrowsecurity as rls, c.relforcerowsecurity as forced
        from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relkind = 'r'`,
  );
  const of = new Map(flags.map((f) => [f.name, f]));
  for (const t of tables) {
    if (!of.get(t)?.rls) problems.push(`table ${t} has no row-level security`);
    else if (opts.forced !== false && !of.get(t)?.forced) problems.push(`table ${t} does not force row-level security`);
  }
  return problems;
}

/**
 * What keeps row-level security from holding for the role requests run as (`asFirm`), one line
 * each: empty when a request can see its own firm only. That role owns no table, so the policies
 * bind it whether or not they are forced. The service refuses to start on any of these.
 */
export async function requestIsolationProblems(db: Db, role = APP_ROLE): Promise<string[]> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`set local role ${ident(role)}`);
    return isolationProblems(tx as unknown as Db, { forced: false });
  });
}
