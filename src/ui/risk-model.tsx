import type { ModelEvaluation } from '../domain/risk/evaluation.ts';
import { day, pct } from './format.ts';

type Props = {
  model: { version: string; evaluation: ModelEvaluation | null } | null;
  bands: { high: number; medium: number; low: number };
};

/**
 * How far the ledger's risk scores can be trusted, in words a credit controller reads: how often
 * the model ranked a late payer above a punctual one on the ledger's own recent invoices, against
 * the customer's late ratio alone, and whether "n % likely to pay late" has meant n % here.
 */
export function RiskModelCard({ model, bands }: Props) {
  const total = bands.high + bands.medium + bands.low;
  const e = model?.evaluation;
  return (
    <section class="card" aria-labelledby="riskmodel">
      <h2 id="riskmodel">How reliable the risk scores are</h2>
      {total ? (
        <p>{`Customers by band: ${bands.high} high (${pct(bands.high / total)}), ${bands.medium} medium (${pct(bands.medium / total)}), ${bands.low} low (${pct(bands.low / total)}).`}</p>
      ) : null}
      {!model ? (
        <p class="muted">Not scored yet: scores appear once the first sync has finished.</p>
      ) : !e ? (
        <p class="muted">
          Not enough settled invoices yet to test the scores against what customers actually did: they rest on the
          ledger's usual rates until then.
        </p>
      ) : (
        <>
          <p>
            {`Tested on the ${e.n} invoices issued since ${day(e.testedFrom)}, each scored by a model that knew only what came before: a late payer was ranked above a punctual one ${pct(e.auc)} of the time (the customer's late ratio alone: ${pct(e.baselineAuc)}; guessing: 50%).`}
          </p>
          <table>
            <caption>Predicted against actual late payment on those invoices</caption>
            <thead>
              <tr>
                <th scope="col">Predicted chance of paying late</th>
                <th scope="col" class="n">
                  Invoices
                </th>
                <th scope="col" class="n">
                  Predicted on average
                </th>
                <th scope="col" class="n">
                  Actually paid late
                </th>
              </tr>
            </thead>
            <tbody>
              {e.calibration
                .filter((b) => b.n > 0)
                .map((b) => (
                  <tr>
                    <td>{`${pct(b.from)}–${pct(b.to)}`}</td>
                    <td class="n">{b.n}</td>
                    <td class="n">{pct(b.predicted)}</td>
                    <td class="n">{pct(b.observed)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
          <p class="muted">{`Model ${model.version}.`}</p>
        </>
      )}
    </section>
  );
}
