/**
 * L2-regularised logistic regression fitted by Newton's method (IRLS) on standardised features.
 * Deterministic: the same rows give the same weights. Small dimension (< 20 features), so the
 * Hessian is solved directly.
 */
export type LogisticModel = { mean: number[]; scale: number[]; weights: number[]; bias: number };

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

export function fitLogistic(
  x: number[][],
  y: number[],
  opts: { lambda?: number; iterations?: number } = {},
): LogisticModel {
  const d = x[0]?.length ?? 0;
  const n = x.length;
  const mean = Array.from({ length: d }, (_, j) => x.reduce((s, r) => s + r[j]!, 0) / Math.max(1, n));
  const scale = Array.from(
    { length: d },
    (_, j) => Math.sqrt(x.reduce((s, r) => s + (r[j]! - mean[j]!) ** 2, 0) / Math.max(1, n)) || 1,
  );
  const z = x.map((r) => [1, ...r.map((v, j) => (v - mean[j]!) / scale[j]!)]);
  const lambda = opts.lambda ?? 1;
  const w = new Array<number>(d + 1).fill(0);
  const base = y.reduce((a, b) => a + b, 0) / Math.max(1, n);
  w[0] = Math.log((base + 1e-3) / (1 - base + 1e-3));
  for (let it = 0; it < (opts.iterations ?? 25); it++) {
    const g = new Array<number>(d + 1).fill(0);
    const h = Array.from({ length: d + 1 }, () => new Array<number>(d + 1).fill(0));
    for (let i = 0; i < n; i++) {
      const p = sigmoid(dot(w, z[i]!));
      const r = p - y[i]!;
      const s = Math.max(p * (1 - p), 1e-6);
      for (let a = 0; a <= d; a++) {
        g[a]! += r * z[i]![a]!;
        for (let b = 0; b <= a; b++) h[a]![b]! += s * z[i]![a]! * z[i]![b]!;
      }
    }
    for (let a = 1; a <= d; a++) {
      g[a]! += lambda * w[a]!;
      h[a]![a]! += lambda;
    }
    for (let a = 0; a <= d; a++) for (let b = a + 1; b <= d; b++) h[a]![b] = h[b]![a]!;
    h[0]![0]! += 1e-6;
    const step = solve(h, g);
    let change = 0;
    for (let a = 0; a <= d; a++) {
      w[a]! -= step[a]!;
      change = Math.max(change, Math.abs(step[a]!));
    }
    if (change < 1e-8) break;
  }
  return { mean, scale, weights: w.slice(1), bias: w[0]! };
}

/** Probability and each feature's contribution to the log-odds (for reasons). */
export function predictLogistic(m: LogisticModel, row: number[]): { p: number; contributions: number[] } {
  const contributions = row.map((v, j) => m.weights[j]! * ((v - m.mean[j]!) / m.scale[j]!));
  return { p: sigmoid(m.bias + contributions.reduce((a, b) => a + b, 0)), contributions };
}

const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

/** Gaussian elimination with partial pivoting (the system is small and positive definite). */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const pivot = m[c]![c]! || 1e-12;
    for (let r = c + 1; r < n; r++) {
      const f = m[r]![c]! / pivot;
      for (let k = c; k <= n; k++) m[r]![k]! -= f * m[c]![k]!;
    }
  }
  const out = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= m[r]![k]! * out[k]!;
    out[r] = s / (m[r]![r]! || 1e-12);
  }
  return out;
}
