/**
 * check.grad: Right for correct rules, and for deliberately wrong custom rules
 * a Left that names the leaf path, index, mode and order where they go wrong;
 * float32 inputs checked against a float64 reference; trees, argnums, bad
 * options. A property: random elementwise compositions always check.
 */

import fc from 'fast-check';
import type { Either } from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { tensorOf } from '../laws/arbitraries.ts';
import { checkAdjointness, checkDescent, checkGradientLaws, checkGradients, checkJitMatchesEager, checkOptimizerLaws } from '../laws/index.ts';
import type { GradCheckFailure, GradCheckReport, Tensor } from '../src/index.ts';
import {
  add, check, cos, customJvp, customVjp, exp, matmul, mul, nn, optim, PuregradError, scalar, sin, stopGradient, sum, take, tanh, tensor,
} from '../src/index.ts';

const f64 = (data: number[] | number[][]) => tensor(data, { dtype: 'float64' });

const report = (r: Either<GradCheckFailure, GradCheckReport>): GradCheckReport => {
  if (r._tag === 'Left') throw new Error(`expected Right, got Left: ${r.left.message}`);
  return r.right;
};
const failure = (r: Either<GradCheckFailure, GradCheckReport>): GradCheckFailure => {
  if (r._tag === 'Right') throw new Error('expected Left, got Right');
  return r.left;
};

/** sin with a derivative off by `delta` at the flat positions in `at` (and right elsewhere): a wrong customJvp rule. */
const sinWrongAt = (shape: number[], at: number[], delta = 1) => {
  const size = shape.reduce((a, b) => a * b, 1);
  const error = tensor(Float64Array.from({ length: size }, (_, i) => (at.includes(i) ? delta : 0)), { shape, dtype: 'float64' });
  return customJvp((x: Tensor) => sin(x), ([x]: Tensor[], [t]: Tensor[]) => [sin(x), mul(t, add(cos(x), error))]);
};

describe('check.grad on correct derivatives', () => {
  it('a dense layer: Right at orders 1 and 2, in both modes, every element checked', () => {
    const params = { w: f64([[0.5, -1, 0.2], [2, 0.3, -0.4]]), b: f64([0.1, 0.2, -0.3]) };
    const loss = (p: typeof params, x: Tensor) => sum(tanh(add(matmul(x, p.w), p.b)));
    const r = report(check.grad(loss, [params, f64([[1, 2], [-0.5, 0.3]])], { order: 2 }));
    expect(r.entries.map((e) => [e.mode, e.order, e.checked, e.total])).toEqual([
      ['fwd', 1, 13, 13], ['rev', 1, 13, 13], ['fwd', 2, 13, 13], ['rev', 2, 13, 13],
    ]);
    // float64 throughout: JAX's float64 gradient tolerance (jax/_src/public_test_util.py, default_gradient_tolerance).
    expect([r.dtype, r.atol, r.rtol, r.eps, r.cotangent]).toEqual(['float64', 1e-5, 1e-5, 1e-4, 'ones']);
    for (const e of r.entries) expect(e.maxAbsError).toBeLessThan(1e-7);
  });

  it('a tensor output and a tree output are reduced by a random cotangent', () => {
    const x = f64([0.3, -0.7, 1.1]);
    expect(report(check.grad((v: Tensor) => mul(exp(v), v), [x], { order: 2 })).cotangent).toBe('random');
    const r = report(check.grad((v: Tensor) => ({ s: sin(v), both: [mul(v, v), sum(v)] }), [x], { order: 2 }));
    expect(r.entries).toHaveLength(4);
  });

  it('integer and bool leaves are held fixed, and a leaf used twice gets both uses', () => {
    const idx = tensor([2, 0], { dtype: 'int32' });
    const f = (p: { w: Tensor; i: Tensor; flag: Tensor }) => sum(mul(take(p.w, p.i), p.w.sum()));
    const r = report(check.grad(f, [{ w: f64([1, 2, 3]), i: idx, flag: tensor([true]) }], { order: 2 }));
    expect(r.entries.every((e) => e.total === 3)).toBe(true);
  });

  it('accepts frozen arguments and options and changes neither', () => {
    const w = f64([0.5, 1.5]);
    const args = Object.freeze([Object.freeze({ w })]);
    const options = Object.freeze({ order: 2 as const, modes: Object.freeze(['rev' as const]) });
    report(check.grad((p: { w: Tensor }) => sum(exp(p.w)), args, options));
    expect(args[0]!.w).toBe(w);
    expect(Array.from(w.toTypedArray())).toEqual([0.5, 1.5]);
    expect(options).toEqual({ order: 2, modes: ['rev'] });
  });
});

describe('check.grad names what is wrong', () => {
  it('a wrong customJvp rule: Left naming the leaf path, index, mode and order, expected and got', () => {
    const bad = sinWrongAt([2, 3], [4]); // flat 4 of a [2, 3] leaf is [1, 1]
    const params = { layers: [{ w: f64([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]) }, { w: f64([[0.7, 0.8, 0.9], [1, 1.1, 1.2]]) }] };
    const loss = (p: typeof params) => add(sum(sin(p.layers[0]!.w)), sum(bad(p.layers[1]!.w)));
    const l = failure(check.grad(loss, [params]));
    expect([l.mode, l.order, l.path, l.index]).toEqual(['fwd', 1, 'args[0].layers[1].w', [1, 1]]);
    expect(l.expected).toBeCloseTo(Math.cos(1.1), 7);
    expect(l.got).toBeCloseTo(Math.cos(1.1) + 1, 12);
    expect(l.tolerance).toBe(1e-5 + 1e-5 * Math.abs(l.expected));
    expect(l.message).toContain('args[0].layers[1].w[1, 1]');
    // reverse mode transposes the same rule, so it is wrong at the same element
    expect(failure(check.grad(loss, [params], { modes: ['rev'] }))).toMatchObject({ mode: 'rev', order: 1, path: 'args[0].layers[1].w', index: [1, 1] });
  });

  it('the worst of several wrong elements is named', () => {
    const bad = sinWrongAt([4], [0, 2], 0.5);
    const badly = sinWrongAt([4], [3], 2);
    const l = failure(check.grad((x: Tensor) => add(sum(bad(x)), sum(badly(x))), [f64([0.1, 0.2, 0.3, 0.4])]));
    expect([l.path, l.index]).toEqual(['args[0]', [3]]);
  });

  it('a wrong customVjp backward rule is found by reverse mode', () => {
    const twice = (k: number) => customVjp((v: Tensor) => mul(v, 2), (v: Tensor) => [mul(v, 2), null], (_r: unknown, g: Tensor) => [mul(g, k)]);
    const x = { a: [f64([1, 2]), f64([[3]])] };
    const loss = (k: number) => (p: typeof x) => add(sum(twice(2)(p.a[0]!)), sum(twice(k)(p.a[1]!)));
    expect(report(check.grad(loss(2), [x], { modes: ['rev'] })).entries).toHaveLength(1);
    const l = failure(check.grad(loss(3), [x], { modes: ['rev'] }));
    expect(l).toMatchObject({ mode: 'rev', path: 'args[0].a[1]', index: [0, 0], got: 3 });
    expect(l.expected).toBeCloseTo(2, 9);
  });

  it('forward mode of a customVjp function is an error that says to check reverse mode only', () => {
    const id = customVjp((v: Tensor) => v, (v: Tensor) => [v, null], (_r: unknown, g: Tensor) => [g]);
    expect(() => check.grad((v: Tensor) => sum(id(v)), [f64([1])])).toThrow(/modes: \['rev'\]/);
  });

  it('order 2: a rule whose value is right but whose own derivative is wrong passes order 1 and fails order 2', () => {
    // d(x³) = 3x²·t, with x² behind stopGradient: right as a first derivative, its derivative in x is lost.
    const cube = customJvp((x: Tensor) => mul(x, mul(x, x)), ([x]: Tensor[], [t]: Tensor[]) =>
      [mul(x, mul(x, x)), mul(mul(3, stopGradient(mul(x, x))), t)]);
    const args = [{ scale: f64([0.5]), v: f64([0.5, -1.5, 2]) }];
    const f = (p: (typeof args)[0]) => add(sum(cube(p.v)), sum(exp(p.scale)));
    expect(report(check.grad(f, args)).entries).toHaveLength(2);
    const l = failure(check.grad(f, args, { order: 2 }));
    expect([l.mode, l.order, l.path, l.got]).toEqual(['fwd', 2, 'args[0].v', 0]);
    expect(Math.abs(l.expected)).toBeGreaterThan(0.01);
    expect(failure(check.grad(f, args, { order: 2, modes: ['rev'] }))).toMatchObject({ mode: 'rev', order: 2, path: 'args[0].v' });
  });

  it('paths quote keys that are not identifiers and index arrays', () => {
    const bad = sinWrongAt([2], [1]);
    const args = [f64([1]), { encoder: { 'hidden size': [f64([0.1]), f64([0.2, 0.3])] } }];
    const f = (a: Tensor, p: { encoder: { 'hidden size': Tensor[] } }) => add(sum(a), sum(bad(p.encoder['hidden size'][1]!)));
    expect(failure(check.grad(f, args))).toMatchObject({ path: 'args[1].encoder["hidden size"][1]', index: [1] });
  });

  it('argnums: arguments left out are held fixed and never blamed', () => {
    const bad = sinWrongAt([2], [0]);
    const f = (a: Tensor, b: Tensor) => sum(mul(sin(a), bad(b)));
    const [a, b] = [f64([0.2, 0.4]), f64([0.6, 0.8])];
    expect(report(check.grad(f, [a, b], { argnums: 0 })).entries.every((e) => e.total === 2)).toBe(true);
    expect(failure(check.grad(f, [a, b], { argnums: [1] }))).toMatchObject({ path: 'args[1]', index: [0] });
    expect(failure(check.grad(f, [a, b]))).toMatchObject({ path: 'args[1]', index: [0] });
  });

  it('sampling past maxElements still visits every leaf', () => {
    const bad = sinWrongAt([1], [0]);
    const params = { w1: f64(Array.from({ length: 30 }, (_, i) => i / 30)), w2: f64(Array.from({ length: 30 }, (_, i) => -i / 30)), b: f64([0.3]) };
    const loss = (p: typeof params) => add(sum(tanh(add(p.w1, p.w2))), sum(bad(p.b)));
    expect(failure(check.grad(loss, [params], { maxElements: 5 }))).toMatchObject({ path: 'args[0].b', index: [0] });
    const fine = (p: typeof params) => add(sum(tanh(add(p.w1, p.w2))), sum(sin(p.b)));
    const r = report(check.grad(fine, [params], { maxElements: 5, seed: 3 }));
    expect(r.entries.map((e) => [e.checked, e.total])).toEqual([[5, 61], [5, 61]]);
  });
});

describe('derivatives that are not finite', () => {
  it('are a Left even where the derivative and the central difference agree (both NaN, or both infinite)', () => {
    const nan = failure(check.grad((p: { w: Tensor }) => sum(mul(p.w, NaN)), [{ w: f64([1, 2]) }]));
    expect(nan).toMatchObject({ mode: 'fwd', order: 1, path: 'args[0].w', index: [0] });
    expect(Number.isNaN(nan.got) && Number.isNaN(nan.expected)).toBe(true);
    expect(nan.message).toMatch(/is NaN at args\[0\]\.w\[0\] and its central difference is NaN/);
    const rev = failure(check.grad((x: Tensor) => sum(mul(x, NaN)), [f64([1, 2])], { modes: ['rev'] }));
    expect(rev).toMatchObject({ mode: 'rev', path: 'args[0]', index: [0] });
    const inf = failure(check.grad((x: Tensor) => sum(mul(x, Infinity)), [f64([1])]));
    expect(inf.got).toBe(Infinity);
    expect(inf.message).toMatch(/is Infinity at args\[0\]\[0\].*not finite/);
  });
});

describe('float32 inputs', () => {
  it('are checked against a float64 reference (f sees float64 inputs for it), with float32 tolerances', () => {
    const seen = new Set<string>();
    const f = (x: Tensor) => {
      seen.add(x.dtype);
      return sum(mul(exp(x), 1000));
    };
    const x = tensor([0.5, -1.5, 2.25]);
    const r = report(check.grad(f, [x], { order: 2 }));
    expect(seen).toEqual(new Set(['float32', 'float64']));
    expect([r.dtype, r.atol, r.rtol]).toEqual(['float32', 2e-3, 2e-3]);
    expect(x.dtype).toBe('float32');
    // A float32 finite difference with ε = 1e-4 would be off by about u·f/ε ≈ 6e-8·1e4/1e-4 = 6 here; the float64
    // reference is good to ~1e-5 relative, so the float32 derivative passes a tolerance far below float32's default.
    report(check.grad(f, [x], { atol: 1e-4, rtol: 1e-5 }));
  });

  it('the float32 derivative under test is the one compared (its rounding shows in the errors)', () => {
    const r = report(check.grad((x: Tensor) => sum(sin(x)), [tensor([0.1, 0.7, 1.3])]));
    const r64 = report(check.grad((x: Tensor) => sum(sin(x)), [f64([0.1, 0.7, 1.3])]));
    expect(r.entries[1]!.maxAbsError).toBeGreaterThan(r64.entries[1]!.maxAbsError);
  });
});

describe('bad input is a PuregradError', () => {
  const f = (x: Tensor) => sum(x);
  const x = f64([1, 2]);
  it.each([
    [{ ord: 2 }, /unknown option 'ord'/],
    [{ order: 3 }, /order must be 1 or 2/],
    [{ modes: [] }, /modes must be a non-empty list/],
    [{ modes: ['fwd', 'fwd'] }, /modes must be a non-empty list of distinct/],
    [{ modes: ['forward'] }, /modes must be/],
    [{ eps: 0 }, /eps must be a finite number > 0/],
    [{ eps: NaN }, /eps must be a finite number > 0, got NaN/],
    [{ rtol: null }, /rtol must be a finite number ≥ 0, got null/],
    [{ atol: -1 }, /atol must be a finite number ≥ 0/],
    [{ rtol: Infinity }, /rtol must be/],
    [{ argnums: 1 }, /argnums 1 is out of range for a call with 1 argument/],
    [{ argnums: [0, 0] }, /names an argument twice/],
    [{ maxElements: 0 }, /maxElements must be an integer ≥ 1/],
    [{ seed: 1.5 }, /seed must be an integer/],
  ])('options %j', (options, message) => {
    expect(() => check.grad(f, [x], options as never)).toThrow(PuregradError);
    expect(() => check.grad(f, [x], options as never)).toThrow(message);
  });

  it('bad f, args or results', () => {
    expect(() => check.grad('f' as never, [x])).toThrow(/f must be a function/);
    expect(() => check.grad(f, x as never)).toThrow(/args must be the array of arguments/);
    expect(() => check.grad(f, [{ w: x, n: 3 }] as never)).toThrow(/args\[0\]\.n/);
    expect(() => check.grad(f, [tensor([1, 2], { dtype: 'int32' })])).toThrow(/nothing to differentiate/);
    expect(() => check.grad(() => tensor([1], { dtype: 'int32' }), [x])).toThrow(/f must return a float tensor/);
    expect(() => check.grad(() => 3 as never, [x])).toThrow(PuregradError);
  });
});

describe('property: random elementwise compositions check', () => {
  const unary: readonly ((v: Tensor) => Tensor)[] = [sin, cos, tanh, (v) => exp(tanh(v)), nn.softplus, nn.sigmoid, (v) => mul(v, v), (v) => add(mul(v, 0.5), 1)];
  const binary: readonly ((v: Tensor, w: Tensor) => Tensor)[] = [add, mul, (v, w) => mul(sin(v), w)];
  const step = fc.oneof(
    fc.integer({ min: 0, max: unary.length - 1 }).map((i) => (v: Tensor) => unary[i]!(v)),
    fc.integer({ min: 0, max: binary.length - 1 }).map((i) => (v: Tensor, w: Tensor) => binary[i]!(v, w)),
  );
  const cases = fc.tuple(fc.array(step, { minLength: 1, maxLength: 5 }), fc.constantFrom([3], [2, 2], []))
    .chain(([steps, s]) => fc.tuple(fc.constant(steps), tensorOf(s), tensorOf(s), fc.integer({ min: 0, max: 1000 })));

  it('check.grad is Right at order 2 for any chain of smooth elementwise ops', () => {
    fc.assert(fc.property(cases, ([steps, x, y, seed]) => {
      const f = (a: Tensor, b: Tensor) => sum(steps.reduce((v, g) => g(v, b), a));
      const r = check.grad(f, [x, y], { order: 2, seed });
      if (r._tag === 'Left') throw new Error(r.left.message);
    }), { numRuns: 40, seed: 20261203 });
  });

  it('and on float32 inputs, with float32 tolerances', () => {
    fc.assert(fc.property(cases, ([steps, x, y]) => {
      const f = (a: Tensor, b: Tensor) => sum(steps.reduce((v, g) => g(v, b), a));
      const r = check.grad(f, [tensor(x, { dtype: 'float32' }), tensor(y, { dtype: 'float32' })]);
      if (r._tag === 'Left') throw new Error(r.left.message);
    }), { numRuns: 25, seed: 20261204 });
  });
});

describe('scalar arguments', () => {
  it('a rank-0 leaf is named by its path alone', () => {
    const bad = sinWrongAt([], [0]);
    const l = failure(check.grad((p: { t: Tensor }) => bad(p.t), [{ t: scalar(0.5, 'float64') }]));
    expect([l.path, l.index]).toEqual(['args[0].t', []]);
    expect(l.message).toContain('at args[0].t:');
  });
});

describe('the puregrad/testing harnesses check their options before generating anything', () => {
  const f = (x: Tensor) => sum(sin(x));
  const args = fc.tuple(tensorOf([2]));
  it.each([
    ['checkGradients', () => checkGradients(f, args, { argnum: 0 } as never), /checkGradients: unknown option 'argnum'/],
    ['checkAdjointness', () => checkAdjointness(f, args, { numruns: 5 } as never), /checkAdjointness: unknown option 'numruns'/],
    ['checkJitMatchesEager', () => checkJitMatchesEager(f, args, { atol: 0 } as never), /unknown option 'atol'.*tol/],
    ['checkOptimizerLaws', () => checkOptimizerLaws(optim.sgd(0.1), { runs: 5 } as never), /unknown option 'runs'/],
    ['checkDescent', () => checkDescent(() => optim.sgd(0.1), 5 as never), /checkDescent: options must be an object/],
  ])('%s', (_name, run, message) => {
    expect(run).toThrow(PuregradError);
    expect(run).toThrow(message);
  });

  it("accepts each harness's own options alongside the run options", () => {
    const tol = { atol: 1e-5, rtol: 1e-4 };
    const float64 = fc.tuple(tensorOf([2], { dtype: 'float64' }));
    expect(() => checkAdjointness(f, float64, { tol, numRuns: 3 })).not.toThrow();
    expect(() => checkJitMatchesEager(f, float64, { tol, numRuns: 3 })).not.toThrow();
    expect(() => checkGradientLaws((x: Tensor) => sum(sin(x)), float64, { tol, secondOrder: false, forwardMode: false, numRuns: 3 })).not.toThrow();
  });
});
