import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { backtest, type Metrics, metrics } from '../domain/risk/backtest.ts';
import { readHistoryCsv } from '../domain/risk/csv.ts';
import { MODEL_FAMILY } from '../domain/risk/model.ts';
import { demoHistory, historyCsv } from '../../connectors/demo/history.ts';

/**
 * npm run risk:backtest -- --csv FILE [--split 0.7]
 * stdout: invoice_id,p_late,p_very_late for every invoice (walk-forward, no look-ahead);
 * stderr: AUC, Brier score, log loss, accuracy and calibration on the test part, next to two
 * baselines: the customer's prior late ratio, and a logistic regression on five features.
 */
function main(): number {
  let args: { csv?: string; split?: string; demo?: string };
  try {
    args = parseArgs({
      options: { csv: { type: 'string' }, split: { type: 'string', default: '0.7' }, demo: { type: 'string' } },
    }).values;
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nusage: npm run risk:backtest -- --csv FILE [--split 0.7]\n`);
    return 2;
  }
  const split = Number(args.split);
  if ((!args.csv && !args.demo) || !(split > 0 && split < 1)) {
    process.stderr.write(
      'usage: npm run risk:backtest -- --csv FILE [--split 0.7]  (split between 0 and 1)\n       npm run risk:backtest -- --demo SEED  (a simulated 300-customer ledger)\n',
    );
    return 2;
  }
  let text: string;
  try {
    // --demo: the simulated ledger's history, written as the CSV a user would bring.
    text = args.demo ? historyCsv(demoHistory(Number(args.demo), '2026-11-20', 300)) : readFileSync(args.csv!, 'utf8');
  } catch (err) {
    process.stderr.write(`cannot read ${args.csv}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    return 2;
  }
  const parsed = readHistoryCsv(text);
  if (!parsed.ok) {
    for (const i of parsed.issues.slice(0, 50))
      process.stderr.write(`line ${i.line}${i.column ? `, ${i.column}` : ''}: ${i.message}\n`);
    if (parsed.issues.length > 50) process.stderr.write(`… and ${parsed.issues.length - 50} more\n`);
    return 2;
  }
  const rows = backtest(parsed.rows, split);
  process.stdout.write('invoice_id,p_late,p_very_late\n');
  for (const r of rows) process.stdout.write(`${r.id},${r.pLate.toFixed(4)},${r.pVeryLate.toFixed(4)}\n`);
  const test = rows.filter((r) => r.test && r.late !== null);
  const veryTest = rows.filter((r) => r.test && r.veryLate !== null);
  const model = metrics(test.map((r) => ({ p: r.pLate, y: r.late! })));
  const f = (x: number) => (Number.isNaN(x) ? 'n/a' : x.toFixed(3));
  process.stderr.write(`test part: ${test.length} invoices with a known outcome (of ${rows.length}; split ${split})\n`);
  const table = (title: string, lines: [string, Metrics][]) => {
    process.stderr.write(`${title.padEnd(44)}   AUC  Brier  log loss  accuracy\n`);
    for (const [name, m] of lines)
      process.stderr.write(
        `  ${name.padEnd(42)} ${f(m.auc)}  ${f(m.brier)}     ${f(m.logLoss)}     ${f(m.accuracy)}\n`,
      );
  };
  table('late (>0 days)', [
    [`model (${MODEL_FAMILY})`, model],
    ['logistic regression, five features', metrics(test.map((r) => ({ p: r.lrLate, y: r.late! })))],
    ["customer's prior late ratio", metrics(test.map((r) => ({ p: r.baseline, y: r.late! })))],
  ]);
  table('very late (>10 days)', [
    [`model (${MODEL_FAMILY})`, metrics(veryTest.map((r) => ({ p: r.pVeryLate, y: r.veryLate! })))],
    ['logistic regression, five features', metrics(veryTest.map((r) => ({ p: r.lrVeryLate, y: r.veryLate! })))],
  ]);
  process.stderr.write('calibration (late, model): predicted → observed\n');
  for (const c of model.calibration)
    process.stderr.write(
      `  ${c.bucket.padEnd(9)} n=${String(c.n).padStart(5)}  ${f(c.predicted)} → ${f(c.observed)}\n`,
    );
  return 0;
}

process.exitCode = main();
