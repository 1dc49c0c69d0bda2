import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

/** Writes bench/results/<name>.json and prints a small table. */
export function report(name: string, rows: Record<string, string | number>[], extra: Record<string, unknown> = {}) {
  mkdirSync(RESULTS, { recursive: true });
  const result = { name, at: new Date().toISOString(), node: process.version, rows, ...extra };
  writeFileSync(`${RESULTS}${name}.json`, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\n== ${name}`);
  console.table(rows);
  return result;
}
