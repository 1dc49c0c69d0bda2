import { formatMoney } from '../domain/money.ts';
import { BUCKETS, type Bucket } from '../domain/reports/receivables.ts';

/** Aged receivables as horizontal bars, with the amounts written out (the chart is not the only carrier). */
export function AgingChart(props: { buckets: Record<Bucket, string>; currency: string }) {
  const values = BUCKETS.map((b) => Number(props.buckets[b]));
  const top = Math.max(1, ...values);
  const row = 28;
  return (
    <svg role="img" aria-label={`Aged receivables: ${BUCKETS.map((b) => `${b} ${formatMoney(props.buckets[b], props.currency)}`).join(', ')}`} viewBox={`0 0 480 ${row * BUCKETS.length + 8}`} width="100%">
      {BUCKETS.map((b, k) => {
        const w = Math.round((values[k]! / top) * 250);
        const colour = ['#1a7f37', '#9a6700', '#bc4c00', '#cf222e', '#82071e'][k];
        return (
          <g>
            <text x="0" y={k * row + 19}>{b === 'current' ? 'Not yet due' : `${b} days`}</text>
            <rect x="95" y={k * row + 6} width={w} height="18" fill={colour} rx="2" />
            <text x={100 + w} y={k * row + 19}>{formatMoney(props.buckets[b], props.currency)}</text>
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
    <svg role="img" aria-label={`Days sales outstanding by month: ${props.points.map((p) => `${p.date.slice(0, 7)} ${p.dso}`).join(', ')}`} viewBox={`0 0 ${w} ${h}`} width="100%">
      <path d={path} fill="none" stroke="#1f6feb" stroke-width="2" />
      {props.points.map((p, k) => (
        <g>
          <circle cx={x(k)} cy={y(p.dso)} r="3" fill="#1f6feb" />
          <text x={x(k)} y={y(p.dso) - 8} text-anchor="middle">{String(p.dso)}</text>
          <text x={x(k)} y={h - 6} text-anchor="middle">{p.date.slice(0, 7)}</text>
        </g>
      ))}
    </svg>
  );
}
