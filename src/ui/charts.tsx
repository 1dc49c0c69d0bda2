import { formatMoney } from '../domain/money.ts';
import { BUCKETS, type Bucket } from '../domain/reports/receivables.ts';

/** Aged receivables as horizontal bars, with the amounts written out (the chart is not the only carrier). */
export function AgingChart(props: { buckets: Record<Bucket, string>; currency: string }) {
  const values = BUCKETS.map((b) => Number(props.buckets[b]));
  const top = Math.max(1, ...values);
  const row = 28;
  return (
    <svg
      role="img"
      aria-label={`Aged receivables: ${BUCKETS.map((b) => `${b} ${formatMoney(props.buckets[b], props.currency)}`).join(', ')}`}
      viewBox={`0 0 480 ${row * BUCKETS.length + 8}`}
      width="100%"
    >
      {BUCKETS.map((b, k) => {
        const w = Math.round((values[k]! / top) * 250);
        const colour = ['#1a7f37', '#9a6700', '#bc4c00', '#cf222e', '#82071e'][k];
        return (
          <g>
            <text x="0" y={k * row + 19}>
              {b === 'current' ? 'Not yet due' : `${b} days`}
            </text>
            <rect x="95" y={k * row + 6} width={w} height="18" fill={colour} rx="2" />
            <text x={100 + w} y={k * row + 19}>
              {formatMoney(props.buckets[b], props.currency)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

/** DSO over the last months as a line with its points labelled. */
export function TrendChart(props: { points: { date: string; dso: number }[] }) {
  const w = 480;
  const h = 150;
  const top = Math.max(10, ...props.points.map((p) => p.dso));
  const x = (k: number) => 30 + (k * (w - 60)) / Math.max(1, props.points.length - 1);
  const y = (v: number) => h - 25 - (v / top) * (h - 50);
  const path = props.points.map((p, k) => `${k ? 'L' : 'M'}${x(k).toFixed(1)},${y(p.dso).toFixed(1)}`).join(' ');
  return (
    <svg
      role="img"
      aria-label={`Days sales outstanding by month: ${props.points.map((p) => `${p.date.slice(0, 7)} ${p.dso}`).join(', ')}`}
      viewBox={`0 0 ${w} ${h}`}
      width="100%"
    >
      <path d={path} fill="none" stroke="#1f6feb" stroke-width="2" />
      {props.points.map((p, k) => (
        <g>
          <circle cx={x(k)} cy={y(p.dso)} r="3" fill="#1f6feb" />
          <text x={x(k)} y={y(p.dso) - 8} text-anchor="middle">
            {String(p.dso)}
          </text>
          <text x={x(k)} y={h - 6} text-anchor="middle">
            {p.date.slice(0, 7)}
          </text>
        </g>
      ))}
    </svg>
  );
}

const PALETTE = ['#1f6feb', '#bc4c00', '#1a7f37', '#8250df', '#cf222e', '#9a6700'];

/** Width of one character of 12px system text, generously: labels are measured by it. */
export const CHAR_PX = 7;

/**
 * The x-axis labels of `n` groups `group` px apart that can be shown without touching: every
 * k-th label, each cut to the room up to the next one shown (with an ellipsis); null where a
 * label is left out. Readers get every label in full from the chart's description.
 */
export function axisLabels(labels: readonly string[], group: number): (string | null)[] {
  // Room for the longest label (up to 14 characters) decides how many to skip.
  const longest = Math.min(14, Math.max(4, ...labels.map((l) => l.length + 1)));
  const every = Math.max(1, Math.ceil((longest * CHAR_PX) / group));
  const room = Math.max(1, Math.floor((every * group) / CHAR_PX) - 1);
  return labels.map((label, k) =>
    k % every !== 0 ? null : label.length > room ? `${label.slice(0, Math.max(1, room - 1))}…` : label,
  );
}

/** Grouped bars for any report: one group per label, one bar per series, with a legend. */
export function SeriesChart(props: { labels: string[]; series: { name: string; values: number[] }[]; title: string }) {
  const n = Math.max(1, props.labels.length);
  const top = Math.max(1, ...props.series.flatMap((s) => s.values.map((v) => Math.abs(v))));
  const w = 720;
  const h = 220;
  const group = (w - 40) / n;
  const bar = Math.max(2, (group - 6) / Math.max(1, props.series.length));
  const shown = axisLabels(props.labels, group);
  const summary = props.series
    .map((s) => `${s.name}: ${s.values.map((v, k) => `${props.labels[k]} ${v}`).join(', ')}`)
    .join('; ');
  return (
    <svg
      role="img"
      aria-label={`${props.title}. ${summary}`.slice(0, 2000)}
      viewBox={`0 0 ${w} ${h + 20 + 16 * props.series.length}`}
      width="100%"
    >
      {shown.map((label, k) => (
        <g>
          {props.series.map((s, j) => {
            const v = s.values[k] ?? 0;
            const bh = Math.round((Math.abs(v) / top) * (h - 40));
            return (
              <rect
                x={30 + k * group + j * bar}
                y={h - 20 - bh}
                width={bar - 1}
                height={bh}
                fill={PALETTE[j % PALETTE.length]}
              />
            );
          })}
          {label ? (
            <text x={30 + k * group} y={h - 4}>
              {label}
            </text>
          ) : null}
        </g>
      ))}
      {props.series.map((s, j) => (
        <g>
          <rect x="30" y={h + 8 + 16 * j} width="10" height="10" fill={PALETTE[j % PALETTE.length]} />
          <text x="46" y={h + 17 + 16 * j}>
            {s.name}
          </text>
        </g>
      ))}
    </svg>
  );
}
