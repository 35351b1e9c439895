/**
 * `check.grad`: derivatives from forward and reverse mode against central
 * finite differences, element by element, as JAX's `check_grads` does along
 * one random direction — here along each input element's basis direction, so
 * a disagreement is named by the element's path and index.
 *
 * The output is reduced to a scalar h(x) = ⟨u, f(x)⟩ (u = 1 for a scalar
 * output, a seeded random cotangent otherwise). For each element xᵢ checked:
 *
 * - order 1, the reference is (h(x + εeᵢ) − h(x − εeᵢ)) / 2ε, evaluated on the
 *   inputs upcast to float64; `fwd` gets ∂h/∂xᵢ as ⟨u, jvp(f)(x; eᵢ)⟩, `rev` as
 *   element i of vjp(f)(x)(u);
 * - order 2, with a seeded random direction w over the inputs, the first
 *   derivative D(x) = ∂h/∂x · w is computed by the same mode (D = ⟨u, jvp(f)(x; w)⟩
 *   for `fwd`, ⟨vjp(f)(x)(u), w⟩ for `rev`) and differentiated again by it (jvp of
 *   jvp, vjp of vjp); the reference is the central difference of D, in float64.
 *
 * Checks run by order, then mode; the first that fails is returned as a `Left`
 * naming its worst element.
 */

import type { Either } from 'fp-ts/lib/Either.js';
import { left, right } from 'fp-ts/lib/Either.js';
import { add, mul } from '../ops/elementwise.ts';
import { sum } from '../ops/reduce.ts';
import { PuregradError } from '../tensor/errors.ts';
import { filled, type Tensor } from '../tensor/tensor.ts';
import { jvp, tensorLeaves, vjp } from '../transforms/api.ts';
import { unflatten } from '../tree/tree.ts';
import type { Tolerance } from './compare.ts';
import { allowance, compareValues } from './compare.ts';
import { centralDifferenceOf } from './differences.ts';
import { asFloat64, rng, unravel, values } from './numeric.ts';
import type { GradCheckOptions, GradMode, ResolvedOptions } from './options.ts';
import { defaultTolerance, resolveOptions } from './options.ts';
import type { GradCheckEntry, GradCheckFailure, GradCheckReport } from './report.ts';
import { describeFailure } from './report.ts';
import type { Coordinate, Output, Subject, TreeFn } from './subject.ts';
import {
  argsOf, basis, callWith, coordinates, cotangentOf, direction, nudged, outputOf, pairing, subjectOf, totalElements,
  upcast,
} from './subject.ts';

/** The derivative under test at each coordinate, and the float64 reference. */
interface Measured {
  readonly got: Float64Array;
  readonly expected: Float64Array;
}

/** Everything a check needs: f, the inputs (as given and upcast) and the random vectors. */
interface Setup {
  readonly f: TreeFn;
  readonly s: Subject;
  readonly out: Output;
  readonly leaves64: readonly Tensor[];
  readonly u: readonly Tensor[];
  readonly u64: readonly Tensor[];
  readonly w: readonly Tensor[];
  readonly w64: readonly Tensor[];
  readonly coords: readonly Coordinate[];
  readonly eps: number;
}

const outLeaves = (y: unknown): Tensor[] => tensorLeaves('check.grad', y, "f's result", 'result')[0];
const cotangentTree = (st: Setup, us: readonly Tensor[]): unknown => unflatten(st.out.def, us);
/** `f` as a function of an argument list (its argument types are the caller's business). */
const untyped = (f: TreeFn) => f as (...a: unknown[]) => unknown;
const element = (tree: unknown, c: Coordinate): number =>
  values(tensorLeaves('check.grad', tree)[0][c.leaf]!)[c.index]!;

/** Σ_k sum(y_k · u_k) over the float leaves, with ops (so it is differentiable). */
const pair = (ys: readonly Tensor[], us: readonly Tensor[]): Tensor =>
  ys.reduce<Tensor>(
    (acc, y, k) => (y.dtype === 'float32' || y.dtype === 'float64' ? add(acc, sum(mul(y, us[k]!))) : acc),
    filled([], 'float32', 0),
  );

/** The first derivative D(args) = ∂h/∂x · w of a mode, as a traceable scalar function. */
function firstDerivative(
  st: Setup,
  mode: GradMode,
  u: readonly Tensor[],
  w: readonly Tensor[],
): (...a: unknown[]) => Tensor {
  const f = untyped(st.f);
  if (mode === 'fwd') {
    return (...a) => {
      const [, dy] = jvp(f, a, argsOf(st.s, w));
      return pair(outLeaves(dy), u);
    };
  }
  return (...a) => {
    const [, back] = vjp(f, ...a);
    const cts = tensorLeaves('check.grad', back(cotangentTree(st, u)))[0];
    return pair(st.s.differentiated.map((j) => cts[j]!), st.s.differentiated.map((j) => w[j]!));
  };
}

function measureFirst(st: Setup, mode: GradMode): Measured {
  const { f, s, coords, eps } = st;
  const h64 = (leaves: readonly Tensor[]): number => pairing(outLeaves(callWith(f, s, leaves)), st.u64);
  const reference = (c: Coordinate) => centralDifferenceOf((step) => h64(nudged(st.leaves64, c, step)), eps);
  const expected = Float64Array.from(coords, reference);
  if (mode === 'fwd') {
    const args = argsOf(s, s.leaves);
    const along = (c: Coordinate) => pairing(outLeaves(jvp(untyped(f), args, argsOf(s, basis(s.leaves, c)))[1]), st.u);
    const got = Float64Array.from(coords, along);
    return { got, expected };
  }
  const [, back] = vjp(untyped(f), ...argsOf(s, s.leaves));
  const cts = back(cotangentTree(st, st.u));
  return { got: Float64Array.from(coords, (c) => element(cts, c)), expected };
}

function measureSecond(st: Setup, mode: GradMode): Measured {
  const { s, coords, eps } = st;
  const d = firstDerivative(st, mode, st.u, st.w);
  const d64 = firstDerivative(st, mode, st.u64, st.w64);
  const reference = (c: Coordinate) =>
    centralDifferenceOf((step) => d64(...argsOf(s, nudged(st.leaves64, c, step))).item(), eps);
  const expected = Float64Array.from(coords, reference);
  const args = argsOf(s, s.leaves);
  if (mode === 'fwd') {
    return { got: Float64Array.from(coords, (c) => jvp(d, args, argsOf(s, basis(s.leaves, c)))[1].item()), expected };
  }
  const [value, back] = vjp(d, ...args);
  const cts = back(filled([], value.dtype, 1));
  return { got: Float64Array.from(coords, (c) => element(cts, c)), expected };
}

/** One mode at one order; forward mode of a `customVjp` function gets a hint to check reverse mode only. */
function measure(st: Setup, mode: GradMode, order: 1 | 2): Measured {
  try {
    return order === 1 ? measureFirst(st, mode) : measureSecond(st, mode);
  } catch (e) {
    if (mode !== 'fwd' || !(e instanceof PuregradError) || e.op !== 'customVjp') throw e;
    const hint = new PuregradError('check.grad',
      'forward mode cannot differentiate f: it calls a customVjp function, which has no forward-mode rule; ' +
      "pass { modes: ['rev'] } to check reverse mode only, or give the function a customJvp rule");
    hint.cause = e;
    throw hint;
  }
}

/** The least precise float dtype among the differentiated inputs and the outputs. */
const precision = (s: Subject, out: Output): 'float32' | 'float64' =>
  [...s.differentiated.map((j) => s.leaves[j]!), ...out.leaves].some((l) => l.dtype === 'float32')
    ? 'float32'
    : 'float64';

function failure(st: Setup, mode: GradMode, order: 1 | 2, m: Measured, i: number, tol: Tolerance): GradCheckFailure {
  const c = st.coords[i]!;
  const [expected, got] = [m.expected[i]!, m.got[i]!];
  const base = {
    mode, order, path: st.s.paths[c.leaf]!, index: unravel(c.index, st.s.leaves[c.leaf]!.shape),
    expected, got, tolerance: allowance(expected, tol), atol: tol.atol, rtol: tol.rtol, eps: st.eps,
  };
  return Object.freeze({ ...base, index: Object.freeze(base.index), message: describeFailure(base) });
}

function setup(f: TreeFn, args: unknown, o: ResolvedOptions): Setup {
  const s = subjectOf(args, o.argnums);
  const out = outputOf(callWith(f, s, s.leaves));
  const u = cotangentOf(out, rng(o.seed));
  const w = direction(s, rng(o.seed ^ 0x27d4eb2d));
  const wide = (ts: readonly Tensor[]) => ts.map((t) => (t.dtype === 'float32' ? asFloat64(t) : t));
  const coords = coordinates(s, o.maxElements, rng(o.seed ^ 0x5bd1e995));
  return { f, s, out, leaves64: upcast(s.leaves), u, u64: wide(u), w, w64: wide(w), coords, eps: o.eps };
}

/**
 * Check `f`'s derivatives at `args` against central finite differences: forward
 * and reverse mode (`modes`), up to `order` (1, or 2 for the derivatives of the
 * derivative), on every element of the float leaves of the arguments (at most
 * `maxElements` per check, sampled past that), the references computed in
 * float64. `f` takes the arguments (tensors or trees of them) and returns a
 * tensor or a tree of them. Returns `Right` with a report of the largest errors,
 * or `Left` naming the worst element of the first check that failed (a NaN or
 * infinite derivative or reference fails even where both sides agree, as in
 * PyTorch's `gradcheck`). Bad options or arguments throw a `PuregradError`;
 * nothing passed in is changed.
 * Defaults: order 1, both modes, eps 1e-4, atol = rtol = 1e-5 (float64) or 2e-3
 * (when an input checked or an output is float32), all arguments, 100 elements, seed 0.
 * @example
 * const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' })
 * const params = { w: f64([[0.5, -1], [2, 0.3]]), b: f64([0.1, 0.2]) }
 * const loss = (p: typeof params, x: Tensor) => sum(tanh(add(matmul(x, p.w), p.b)))
 * const ok = check.grad(loss, [params, f64([[1, 2]])], { order: 2 })
 * ok._tag // => "Right"
 * const checked = ok._tag === 'Right' ? ok.right.entries.map((e) => `${e.mode}${e.order}:${e.checked}`) : []
 * checked // => ["fwd1:8", "rev1:8", "fwd2:8", "rev2:8"]
 * const badSin = customJvp((v: Tensor) => sin(v), ([v]: Tensor[], [t]: Tensor[]) => [sin(v), mul(t, 2)])
 * const wrong = check.grad((p: typeof params) => sum(badSin(p.b)), [params])
 * wrong._tag === 'Left' && [wrong.left.mode, wrong.left.path, wrong.left.index] // => ["fwd", "args[0].b", [1]]
 */
export function grad(
  f: TreeFn,
  args: readonly unknown[],
  options: GradCheckOptions = {},
): Either<GradCheckFailure, GradCheckReport> {
  if (typeof f !== 'function') {
    throw new PuregradError('check.grad', `f must be a function, got ${f === null ? 'null' : typeof f}`);
  }
  const o = resolveOptions(options, Array.isArray(args) ? args.length : 0);
  const st = setup(f, args, o);
  const dtype = precision(st.s, st.out);
  const tol: Tolerance = { atol: o.atol ?? defaultTolerance[dtype], rtol: o.rtol ?? defaultTolerance[dtype] };
  const entries: GradCheckEntry[] = [];
  for (const order of o.order === 2 ? ([1, 2] as const) : ([1] as const)) {
    for (const mode of o.modes) {
      const m = measure(st, mode, order);
      const cmp = compareValues(m.got, m.expected, tol);
      if (!cmp.ok) return left(failure(st, mode, order, m, cmp.worst, tol));
      const infinite = m.got.findIndex((g, i) => !Number.isFinite(g) || !Number.isFinite(m.expected[i]!));
      if (infinite >= 0) return left(failure(st, mode, order, m, infinite, tol));
      const { count: checked, maxAbsError, maxRelError } = cmp;
      const total = totalElements(st.s);
      entries.push(Object.freeze({ mode, order, checked, total, maxAbsError, maxRelError, eps: o.eps, ...tol }));
    }
  }
  const single = st.out.leaves.length === 1 && st.out.leaves[0]!.size === 1;
  const cotangent = single ? 'ones' : 'random';
  return right(Object.freeze({ entries: Object.freeze(entries), dtype, eps: o.eps, ...tol, cotangent }));
}
