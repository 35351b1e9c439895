/**
 * nn.sigmoid's stable form and its custom derivative rule (a regression: it
 * was ½(1 + tanh(x/2)), which returns 0 for float64 σ(−40) and float32 σ(−20),
 * and whose derivative σ(1 − σ) was 0 for x ≳ 37 in float64). References are
 * computed in JavaScript doubles: 1/(1 + e⁻ˣ) is accurate to a few ulp for
 * every x where e⁻ˣ does not overflow.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tensorOf } from '../laws/arbitraries.ts';
import { checkGradientLaws } from '../laws/harness.ts';
import type { Tensor } from '../src/index.ts';
import { grad, jit, nn, scalar, sum, tensor, vmap } from '../src/index.ts';

const sigma = (x: number): number => 1 / (1 + Math.exp(-x));
const relErr = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.abs(b));
const f64 = (xs: number[]) => tensor(Float64Array.from(xs));
const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array | Float64Array);
const d1 = grad((x: Tensor) => nn.sigmoid(x));
const d2 = grad(d1);
const d3 = grad(d2);

describe('nn.sigmoid', () => {
  const grid = Array.from({ length: 141 }, (_, i) => -700 + 10 * i).concat([-40, -20, -1, -1e-3, 0, 1e-3, 1, 20, 40]);

  it('float64: relative accuracy in both tails, σ(−40) = 4.248e-18', () => {
    expect(relErr(nn.sigmoid(scalar(-40, 'float64')).item(), 4.248354255291589e-18)).toBeLessThan(1e-15);
    const got = values(nn.sigmoid(f64(grid)));
    grid.forEach((x, i) => expect(relErr(got[i]!, sigma(x))).toBeLessThan(4e-16));
  });

  it('float32: σ(−20) = 2.06e-9 and the tail down to the smallest normal float32', () => {
    expect(relErr(nn.sigmoid(scalar(-20)).item(), sigma(-20))).toBeLessThan(2e-7);
    const xs = [-87, -80, -50, -20, -5, 0, 5, 20, 50];
    const got = values(nn.sigmoid(tensor(xs)));
    xs.forEach((x, i) => expect(relErr(got[i]!, sigma(Math.fround(x)))).toBeLessThan(5e-7));
  });

  it('the derivative is σ(x)σ(−x), accurate in both tails (float64)', () => {
    for (const x of [-700, -40, -3, 0, 0.5, 3, 40, 700]) {
      expect(relErr(d1(scalar(x, 'float64')).item(), sigma(x) * sigma(-x))).toBeLessThan(1e-15);
    }
  });

  it('second and third derivatives agree with the closed forms σ′(1 − 2σ) and σ′(1 − 6σσ̄)', () => {
    for (const x of [-30, -2, -0.5, 0, 0.5, 2, 30]) {
      const s = sigma(x);
      const s1 = s * sigma(-x);
      // 1 − 2σ(x) = σ(−x) − σ(x) without cancellation in either tail
      const [second, third] = [d2(scalar(x, 'float64')).item(), d3(scalar(x, 'float64')).item()];
      if (x === 0) expect(second).toBe(0);
      else expect(relErr(second, s1 * (sigma(-x) - s))).toBeLessThan(1e-12);
      expect(relErr(third, s1 * (1 - 6 * s * sigma(-x)))).toBeLessThan(1e-12);
    }
  });

  it('finite values and derivatives to third order at ±1e4, NaN stays NaN, ints give float32', () => {
    for (const x of [1e4, -1e4, 3e38, -3e38]) {
      for (const f of [nn.sigmoid, d1, d2, d3]) expect(Number.isFinite(f(scalar(x)).item())).toBe(true);
    }
    expect(Number.isNaN(nn.sigmoid(scalar(NaN)).item())).toBe(true);
    const ints = nn.sigmoid(tensor([0, 1], { dtype: 'int32' }));
    expect(ints.dtype).toBe('float32');
    expect(ints.toArray()).toEqual([0.5, Math.fround(sigma(1))]);
  });

  it('passes the gradient laws (jvp, vjp, second order against finite differences)', () => {
    checkGradientLaws((x) => sum(nn.sigmoid(x)), fc.tuple(tensorOf([5], { min: -8, max: 8 })), { numRuns: 20 });
  });

  it('jit and vmap agree with eager, bit for bit', () => {
    const x = tensor([-50, -20, -1, 0, 2, 30]);
    expect(jit(nn.sigmoid)(x).toArray()).toEqual(nn.sigmoid(x).toArray());
    expect(vmap(d1)(x).toArray()).toEqual(values(x).map((v) => d1(scalar(v)).item()));
    expect(jit(vmap(d1))(x).toArray()).toEqual(vmap(d1)(x).toArray());
  });
});
