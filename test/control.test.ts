/**
 * Control flow and custom rules under every transformation: an RNN written
 * with scan against the same loop unrolled, cond in all modes, the library's
 * custom rules checked by the laws, and the NaN-safe masking pattern.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkGradientLaws } from '../laws/harness.ts';
import { tensorOf } from '../laws/arbitraries.ts';
import type { Tensor } from '../src/index.ts';
import {
  add, cond, cos, customJvp, customVjp, grad, greater, jit, jvp, log, logsumexp, matmul, maximum, minimum, mul, neg, nn, reshape, scalar,
  ones, scan, sin, slice, sum, tanh, tensor, vmap, where, zeros,
} from '../src/index.ts';

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });
const closeArrays = (a: Tensor, b: Tensor, digits = 12) => {
  const [x, y] = [a.toTypedArray(), b.toTypedArray()];
  expect(x.length).toBe(y.length);
  x.forEach((v, i) => expect(v).toBeCloseTo(y[i]!, digits));
};

describe('an RNN written with scan', () => {
  const W = f64([[0.5, -0.3], [0.2, 0.4]]);
  const U = f64([[0.1, 0.7], [-0.6, 0.2]]);
  const h0 = f64([0.1, -0.2]);
  const xs = f64([[1, 0.5], [-0.3, 0.2], [0.8, -1], [0.1, 0.1]]);
  type Args = [Tensor, Tensor, Tensor, Tensor];

  const viaScan = (w: Tensor, u: Tensor, h: Tensor, x: Tensor) => {
    const [last, hs] = scan((c: Tensor, xi: Tensor) => {
      const next = tanh(add(matmul(w, c), matmul(u, xi)));
      return [next, next] as const;
    }, h, x);
    return add(sum(last), sum(mul(hs, hs)));
  };
  const unrolled = (w: Tensor, u: Tensor, h: Tensor, x: Tensor) => {
    let c = h;
    let acc = zeros([], 'float64');
    for (let i = 0; i < x.shape[0]!; i++) {
      c = tanh(add(matmul(w, c), matmul(u, reshape(slice(x, [i], [i + 1]), [2]))));
      acc = add(acc, sum(mul(c, c)));
    }
    return add(sum(c), acc);
  };
  const args: Args = [W, U, h0, xs];

  it('agrees with the unrolled loop in value, eagerly and under jit', () => {
    expect(viaScan(...args).item()).toBeCloseTo(unrolled(...args).item(), 14);
    expect(jit(viaScan)(...args).item()).toBeCloseTo(unrolled(...args).item(), 14);
  });

  it('agrees with the unrolled loop in gradient, for every argument, eagerly and under jit', () => {
    const all = { argnums: [0, 1, 2, 3] as const };
    const g = grad(viaScan, all)(...args);
    const gj = jit(grad(viaScan, all))(...args);
    const gl = grad(unrolled, all)(...args);
    g.forEach((gi, i) => closeArrays(gi, gl[i]!));
    gj.forEach((gi, i) => closeArrays(gi, gl[i]!));
  });

  it('second order: jvp-of-grad and grad-of-grad agree with the unrolled loop', () => {
    const direction = U;
    const hvp = (f: typeof viaScan) => jvp((w: Tensor) => grad(f)(w, U, h0, xs), [W], [direction])[1];
    closeArrays(hvp(viaScan), hvp(unrolled));
    const gg = (f: typeof viaScan) => grad((w: Tensor) => sum(mul(grad(f)(w, U, h0, xs), direction)))(W);
    closeArrays(gg(viaScan), gg(unrolled));
  });

  it('passes the gradient laws against finite differences', () => {
    checkGradientLaws((w, u, h, x) => viaScan(w, u, h, x), fc.tuple(tensorOf([2, 2]), tensorOf([2, 2]), tensorOf([2]), tensorOf([3, 2])), { numRuns: 15 });
  });

  it('vmap over sequences gives per-sequence values and gradients', () => {
    const batch = tensor([xs.toArray() as number[][], (xs.toArray() as number[][]).map((r) => r.map((v) => -v))], { dtype: 'float64' });
    const values = vmap((x: Tensor) => viaScan(W, U, h0, x))(batch);
    expect(values.toArray()).toEqual([viaScan(W, U, h0, xs).item(), viaScan(W, U, h0, neg(xs)).item()]);
    const perSeq = vmap(grad((w: Tensor, x: Tensor) => viaScan(w, U, h0, x)), { inAxes: [null, 0] })(W, batch);
    closeArrays(slice(perSeq, [1], [2]).reshape([2, 2]), grad((w: Tensor) => viaScan(w, U, h0, neg(xs)))(W));
  });

  it('reverse scans run from the last slice and stack in slice order', () => {
    const [, forward] = scan((c: Tensor, x: Tensor) => [add(c, x), add(c, x)] as const, scalar(0), tensor([1, 2, 3]));
    const [, backward] = scan((c: Tensor, x: Tensor) => [add(c, x), add(c, x)] as const, scalar(0), tensor([1, 2, 3]), { reverse: true });
    expect(forward.toArray()).toEqual([1, 3, 6]);
    expect(backward.toArray()).toEqual([6, 5, 3]);
  });
});

describe('cond', () => {
  const f = (x: Tensor, w: Tensor) => cond(greater(sum(x), 0), (v: Tensor) => mul(sin(v), w), (v: Tensor) => neg(mul(v, v)), x);
  const w = scalar(3, 'float64');
  const pos = f64([0.5, 1]);
  const negx = f64([-0.5, -1]);

  it('picks the branch eagerly and under jit, and differentiates the taken branch', () => {
    closeArrays(f(pos, w), mul(sin(pos), 3));
    closeArrays(jit(f)(negx, w), neg(mul(negx, negx)));
    closeArrays(grad((x: Tensor) => sum(f(x, w)))(pos), mul(pos.cos(), 3));
    closeArrays(grad((x: Tensor) => sum(f(x, w)))(negx), mul(negx, -2));
    closeArrays(grad((v: Tensor) => sum(f(pos, v)))(w), sum(sin(pos)));
  });

  it('vmap with a batched predicate picks per example', () => {
    const out = vmap((x: Tensor) => f(x, w))(f64([[0.5, 1], [-0.5, -1]]));
    closeArrays(out, f64([[3 * Math.sin(0.5), 3 * Math.sin(1)], [-0.25, -1]]));
  });

  it('passes the gradient laws', () => {
    checkGradientLaws((x, v) => f(x, v), fc.tuple(tensorOf([3], { awayFromZero: 0.1 }), tensorOf([])), { numRuns: 15 });
  });

  it('rejects branches of different shapes, naming both', () => {
    expect(() => cond(true, () => zeros([2]), () => zeros([3]))).toThrow(/cond: output 0 is float32\[2\] in the true branch but float32\[3\] in the false branch/);
  });
});

describe('custom rules', () => {
  it('the library logsumexp and softplus pass the gradient laws, and their derivatives are the textbook ones', () => {
    checkGradientLaws((x) => logsumexp(x, { axis: -1 }), fc.tuple(tensorOf([2, 3], { min: -30, max: 30 })), { numRuns: 20 });
    checkGradientLaws((x) => nn.softplus(x), fc.tuple(tensorOf([4], { min: -30, max: 30 })), { numRuns: 20 });
    const x = f64([-1e4, -1, 0, 1, 1e4]);
    closeArrays(grad((v: Tensor) => sum(nn.softplus(v)))(x), nn.sigmoid(x));
    closeArrays(grad((v: Tensor) => logsumexp(v))(x), nn.softmax(x));
  });

  it('customJvp composes with jit, vmap, grad and jvp', () => {
    let ruleCalls = 0;
    const cube = customJvp((x: Tensor) => mul(x, mul(x, x)), ([x]: [Tensor], [t]: [Tensor]) => {
      ruleCalls += 1;
      return [mul(x, mul(x, x)), mul(mul(mul(x, x), 3), t)] as [Tensor, Tensor];
    });
    const x = f64([1, 2]);
    closeArrays(grad((v: Tensor) => sum(cube(v)))(x), f64([3, 12]));
    expect(ruleCalls).toBe(1);
    closeArrays(jit(grad((v: Tensor) => sum(cube(v))))(x), f64([3, 12]));
    closeArrays(vmap(grad((v: Tensor) => cube(v)))(x), f64([3, 12]));
    closeArrays(jvp(cube, [x], [f64([1, 1])])[1], f64([3, 12]));
    closeArrays(grad(grad((v: Tensor) => cube(v)))(scalar(2, 'float64')), scalar(12));
  });

  it('outside every transformation a custom-rule function is its own function: the same bits as compiled, its rules untouched', () => {
    let ruleCalls = 0;
    const counted = <T>(r: T): T => {
      ruleCalls += 1;
      return r;
    };
    const f = (x: Tensor) => nn.softplus(mul(x, sin(x)));
    const viaJvp = customJvp(f, ([x]: [Tensor], [t]: [Tensor]) => counted([f(x), mul(t, 2)] as [Tensor, Tensor]));
    const viaVjp = customVjp(f, (x: Tensor) => counted([f(x), x] as const), (_x: Tensor, g: Tensor) => [g] as [Tensor]);
    const x = tensor([-3, -0.5, 0, 0.25, 7]);
    const fns = [viaJvp, viaVjp, nn.sigmoid, nn.softplus, (v: Tensor) => logsumexp(v)];
    const eager = fns.map((g) => Array.from(g(x).toTypedArray()));
    expect(ruleCalls).toBe(0);
    // Traced (here by jit), the call binds the custom-rule primitive, whose plan runs f's equations: the same bits.
    expect(fns.map((g) => Array.from(jit(g)(x).toTypedArray()))).toEqual(eager);
    // Under differentiation the rules are what differentiates.
    closeArrays(grad((v: Tensor) => sum(viaJvp(v)))(x), mul(ones([5]), 2));
    closeArrays(grad((v: Tensor) => sum(viaVjp(v)))(x), ones([5]));
    // Arguments and results are still checked.
    expect(() => viaJvp(3 as unknown as Tensor)).toThrow(/customJvp/);
    expect(() => customVjp(() => 1 as unknown as Tensor, (x: Tensor) => [x, x] as const, (_r: Tensor, g: Tensor) => [g] as [Tensor])(x)).toThrow(/customVjp/);
  });

  it('customVjp: the backward pass is the user\'s, under grad, jit and vmap; forward mode is a clear error', () => {
    // identity forward, gradient clipped to [-1, 1] backward
    const clip = customVjp((x: Tensor) => x, (x: Tensor) => [x, null] as const, (_r: null, g: Tensor) => [minimum(maximum(g, -1), 1)] as [Tensor]);
    const loss = (v: Tensor) => sum(mul(clip(v), f64([5, 0.5])));
    closeArrays(grad(loss)(f64([1, 1])), f64([1, 0.5]));
    closeArrays(jit(grad(loss))(f64([1, 1])), f64([1, 0.5]));
    closeArrays(vmap(grad((v: Tensor) => mul(clip(v), 5)))(f64([1, 2])), f64([1, 1]));
    expect(() => jvp(clip, [f64([1])], [f64([1])])).toThrow(/customVjp: forward-mode differentiation/);
  });
});

describe('NaN-safe masking', () => {
  // The hazard: where(x > 0, log(x), 0) has a finite value at 0, but its
  // gradient multiplies the untaken branch's derivative 1/x = ∞ by 0: NaN.
  const naive = (x: Tensor) => where(greater(x, 0), log(x), 0);
  // The pattern: also guard the input, so the untaken branch sees a safe value.
  const safe = (x: Tensor) => {
    const positive = greater(x, 0);
    return where(positive, log(where(positive, x, 1)), 0);
  };

  it('the naive mask has a NaN gradient at 0; the double where is finite and correct', () => {
    const x = f64([0, 2]);
    expect(Number.isNaN(grad((v: Tensor) => sum(naive(v)))(x).toTypedArray()[0])).toBe(true);
    expect(Array.from(grad((v: Tensor) => sum(safe(v)))(x).toTypedArray())).toEqual([0, 0.5]);
    expect(Array.from(safe(x).toTypedArray())).toEqual(Array.from(naive(x).toTypedArray()));
  });
});

describe('the law kit on reverse-only functions', () => {
  it('checkGradientLaws checks a customVjp function with forwardMode: false, and reports a wrong bwd readably', () => {
    const good = customVjp((x: Tensor) => mul(x, sin(x)), (x: Tensor) => [mul(x, sin(x)), x] as const, (x: Tensor, g: Tensor) => [mul(g, add(sin(x), mul(x, x.cos())))] as [Tensor]);
    checkGradientLaws((x) => good(x), fc.tuple(tensorOf([3])), { numRuns: 10, forwardMode: false });
    const bad = customVjp((x: Tensor) => mul(x, sin(x)), (x: Tensor) => [mul(x, sin(x)), x] as const, (x: Tensor, g: Tensor) => [mul(g, sin(x))] as [Tensor]);
    expect(() => checkGradientLaws((x) => bad(x), fc.tuple(tensorOf([3])), { numRuns: 10, forwardMode: false, secondOrder: false }))
      .toThrow(/J\^T u, v/);
  });
});

describe('custom rules that close over traced values', () => {
  // A rule reading a value it does not differentiate: the label of a loss, a scale.
  const scaledSin = (x: Tensor) =>
    customJvp((v: Tensor) => sin(mul(v, x)), ([v], [t]) => [sin(mul(v, x)), mul(mul(x, cos(mul(v, x))), t)]);
  const loss = (w: Tensor, x: Tensor) => scaledSin(x)(w);
  const w = scalar(0.9, 'float64');
  const x = scalar(0.4, 'float64');
  const expected = 0.4 * Math.cos(0.36);

  it('differentiate under grad(jit), inside cond and scan bodies, and under grad(vmap)', () => {
    expect(grad(loss)(w, x).item()).toBeCloseTo(expected, 14);
    expect(grad(jit(loss))(w, x).item()).toBeCloseTo(expected, 14);
    const viaCond = (a: Tensor, b: Tensor) => cond(greater(b, 0), (p: Tensor, q: Tensor) => scaledSin(q)(p), (p: Tensor) => p, a, b);
    expect(grad(viaCond)(w, x).item()).toBeCloseTo(expected, 14);
    const viaScan = (a: Tensor, xs: Tensor) => scan((c: Tensor, xi: Tensor) => [add(c, scaledSin(xi)(a)), null] as const, scalar(0, 'float64'), xs)[0];
    expect(grad(viaScan)(w, f64([0.4, 0.4])).item()).toBeCloseTo(2 * expected, 14);
    expect(grad((a: Tensor) => sum(vmap((xi: Tensor) => scaledSin(xi)(a))(f64([0.4, 0.4]))))(w).item()).toBeCloseTo(2 * expected, 14);
  });

  it('customVjp too', () => {
    const scaled = (s: Tensor) => customVjp((v: Tensor) => mul(v, s), (v: Tensor) => [mul(v, s), null], (_r, ct: Tensor) => [mul(ct, s)]);
    const l = (a: Tensor, s: Tensor) => scaled(s)(a);
    expect(grad(jit(l))(w, x).item()).toBeCloseTo(0.4, 14);
    expect(grad((a: Tensor) => sum(vmap((s: Tensor) => scaled(s)(a))(f64([0.4, 0.5]))))(w).item()).toBeCloseTo(0.9, 14);
  });
});
