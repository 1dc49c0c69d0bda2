/** A small seeded PRNG (mulberry32): the demo ledger must be identical for the same seed. */
export type Rng = {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(p: number): boolean;
  /** Roughly normal (sum of uniforms), clamped to ±3 sd. */
  normal(mean: number, sd: number): number;
  fork(label: string): Rng;
};

function hash(label: string, seed: number): number {
  let h = seed ^ 0x9e3779b9;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x85ebca6b) >>> 0;
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
    normal: (mean, sd) => {
      const z = next() + next() + next() + next() + next() + next() - 3;
      return mean + Math.max(-3, Math.min(3, z * Math.SQRT2)) * sd;
    },
    // Independent streams per customer, so adding one customer does not reshuffle the others.
    fork: (label) => createRng(hash(label, seed)),
  };
  return rng;
}
