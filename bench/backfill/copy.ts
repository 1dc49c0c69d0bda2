import type postgres from 'postgres';

/**
 * The floor for writing the same rows: the ledger's mirrored invoices, exported with COPY, then
 * loaded with a plain COPY into a table of the same shape (columns, defaults, indexes). No
 * conflict handling, no newer-wins, no cursor: what the database alone costs.
 */
export async function copyBaseline(sql: postgres.Sql, ledgerId: string): Promise<{ rows: number; ms: number }> {
  const chunks: Buffer[] = [];
  // COPY takes no parameters; the id is our own uuid, checked before it is spliced in.
  if (!/^[0-9a-f-]{36}$/.test(ledgerId)) throw new Error('not a ledger id');
  const out = await sql.unsafe(`copy (select * from invoice where ledger_id = '${ledgerId}') to stdout`).readable();
  for await (const c of out) chunks.push(c as Buffer);
  await sql`create table bench_invoice_copy (like invoice including all)`;
  const t0 = performance.now();
  const into = await sql`copy bench_invoice_copy from stdin`.writable();
  await new Promise<void>((resolve, reject) => {
    into.on('error', reject);
    into.on('finish', resolve);
    for (const c of chunks) into.write(c);
    into.end();
  });
  const ms = performance.now() - t0;
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from bench_invoice_copy`;
  await sql`drop table bench_invoice_copy`;
  return { rows: row!.n, ms };
}
