/**
 * Statistical tests of `random` on 10⁵ samples from fixed keys (so each test
 * is deterministic): moments within bounds, Kolmogorov–Smirnov distances
 * below the 0.1% critical value 1.95/√n, no correlation between the streams
 * of split keys, frequencies of discrete samplers by a χ² test at 0.1%.
 * The bounds are loose enough that a correct sampler passes for any key with
 * probability > 99.9%, and tight enough that an off-by-a-bit conversion or a
 * repeated stream fails.
 */

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { random, tensor, vmap } from '../src/index.ts';
import { erf } from '../src/random/erf.ts';

const N = 100_000;
const values = (t: Tensor): number[] => Array.from(t.toTypedArray());
const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: readonly number[]): number => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

/** The Kolmogorov–Smirnov distance between the samples' empirical CDF and `cdf`. */
function ksDistance(xs: readonly number[], cdf: (x: number) => number): number {
  const sorted = Float64Array.from(xs).sort();
  let d = 0;
  sorted.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs((i + 1) / sorted.length - f), Math.abs(f - i / sorted.length));
  });
  return d;
}
const KS_CRITICAL = 1.95 / Math.sqrt(N); // α = 0.001

/** Pearson's χ² statistic of observed counts against expected probabilities. */
function chiSquare(counts: readonly number[], probs: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((acc, c, i) => acc + (c - total * probs[i]!) ** 2 / (total * probs[i]!), 0);
}
const countsOf = (xs: readonly number[], k: number): number[] => {
  const c = new Array<number>(k).fill(0);
  for (const x of xs) c[x]!++;
  return c;
};

function correlation(xs: readonly number[], ys: readonly number[]): number {
  const [mx, my] = [mean(xs), mean(ys)];
  let [sxy, sxx, syy] = [0, 0, 0];
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i]! - my);
    sxx += (x - mx) ** 2;
    syy += (ys[i]! - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

const phi = (x: number): number => 0.5 * (1 + erf(x / Math.SQRT2));

describe('random: statistics on 1e5 samples', () => {
  const key = random.key(20240601);

  it('uniform: mean 1/2, variance 1/12, KS against U(0, 1); float64 too; all in [0, 1)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const xs = values(random.uniform(key, [N], { dtype }));
      expect(Math.abs(mean(xs) - 0.5)).toBeLessThan(4 * Math.sqrt(1 / 12 / N));
      expect(Math.abs(variance(xs) - 1 / 12)).toBeLessThan(0.002);
      expect(ksDistance(xs, (x) => Math.min(1, Math.max(0, x)))).toBeLessThan(KS_CRITICAL);
      expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    }
  });

  it('normal: mean 0, variance 1, KS against Φ', () => {
    const xs = values(random.normal(key, [N]));
    expect(Math.abs(mean(xs))).toBeLessThan(4 / Math.sqrt(N));
    expect(Math.abs(variance(xs) - 1)).toBeLessThan(4 * Math.sqrt(2 / N));
    expect(ksDistance(xs, phi)).toBeLessThan(KS_CRITICAL);
    expect(ksDistance(values(random.normal(key, [N], { dtype: 'float64' })), phi)).toBeLessThan(KS_CRITICAL);
  });

  it('truncatedNormal: inside (lower, upper), KS against the truncated Φ', () => {
    const [lower, upper] = [-0.7, 1.9];
    const xs = values(random.truncatedNormal(key, [N], { lower, upper }));
    expect(xs.every((x) => x > lower && x < upper)).toBe(true);
    const z = phi(upper) - phi(lower);
    expect(ksDistance(xs, (x) => (phi(x) - phi(lower)) / z)).toBeLessThan(KS_CRITICAL);
    const defaults = values(random.truncatedNormal(key, [N]));
    expect(ksDistance(defaults, (x) => (phi(x) - phi(-2)) / (phi(2) - phi(-2)))).toBeLessThan(KS_CRITICAL);
  });

  it('split streams are uncorrelated, with each other and with the parent stream', () => {
    const [k1, k2] = random.splitN(key);
    const a = values(random.uniform(k1!, [N]));
    const b = values(random.uniform(k2!, [N]));
    const parent = values(random.uniform(key, [N]));
    const folded = values(random.normal(random.foldIn(k1!, 1), [N]));
    const bound = 4 / Math.sqrt(N);
    expect(Math.abs(correlation(a, b))).toBeLessThan(bound);
    expect(Math.abs(correlation(a, parent))).toBeLessThan(bound);
    expect(Math.abs(correlation(b, folded))).toBeLessThan(bound);
    expect(Math.abs(correlation(a.slice(1), a.slice(0, -1)))).toBeLessThan(bound); // neighbours in one stream
  });

  it('bernoulli: frequency p', () => {
    for (const p of [0.1, 0.5, 0.93]) {
      const xs = values(random.bernoulli(key, p, [N]));
      expect(Math.abs(mean(xs) - p)).toBeLessThan(4 * Math.sqrt((p * (1 - p)) / N));
    }
  });

  it('categorical: frequencies softmax(logits), unnormalized logits, χ² (3 dof) below 16.27', () => {
    const p = [0.1, 0.2, 0.3, 0.4];
    const logits = tensor(p.map((q) => Math.log(q) - 42));
    expect(chiSquare(countsOf(values(random.categorical(key, logits, { shape: [N] })), 4), p)).toBeLessThan(16.27);
  });

  it('randint and choice: uniform frequencies, χ² (9 dof) below 27.88', () => {
    const uniform10 = new Array<number>(10).fill(0.1);
    expect(chiSquare(countsOf(values(random.randint(key, [N], 0, 10)), 10), uniform10)).toBeLessThan(27.88);
    expect(chiSquare(countsOf(values(random.choice(key, 10, { shape: [N] })), 10), uniform10)).toBeLessThan(27.88);
    const p = [0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.15, 0.15];
    const weighted = values(random.choice(key, 10, { shape: [N], p: tensor(p) }));
    expect(chiSquare(countsOf(weighted, 10), p)).toBeLessThan(27.88);
  });

  it('permutation: a permutation (one sort round and two), and all 6 orders of 3 equally likely (χ² 5 dof < 20.52)', () => {
    for (const n of [100, 2000]) {
      const perm = values(random.permutation(key, n));
      expect([...perm].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(perm).not.toEqual(Array.from({ length: n }, (_, i) => i));
    }
    const trials = 12_000;
    const perms = values(vmap((k: Tensor) => random.permutation(k, 3))(random.split(key, trials)));
    const index = (a: number, b: number): number => ['01', '02', '10', '12', '20', '21'].indexOf(`${a}${b}`);
    const orders = Array.from({ length: trials }, (_, t) => index(perms[3 * t]!, perms[3 * t + 1]!));
    expect(chiSquare(countsOf(orders, 6), new Array<number>(6).fill(1 / 6))).toBeLessThan(20.52);
  });

  it('gumbel: mean γ, variance π²/6', () => {
    const xs = values(random.gumbel(key, [N]));
    expect(Math.abs(mean(xs) - 0.5772156649)).toBeLessThan(4 * Math.sqrt(Math.PI ** 2 / 6 / N));
    expect(Math.abs(variance(xs) - Math.PI ** 2 / 6)).toBeLessThan(0.06);
  });
});
