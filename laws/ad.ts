/**
 * The differentiation laws, as pure predicates. Each takes the function under
 * test, `f(...xs) → y`, and tolerances, and returns a check of one input and
 * one random seed. Only float inputs are perturbed; integer and bool inputs
 * (indices, masks) are held fixed.
 *
 * 1. forward mode agrees with central finite differences in a random direction;
 * 2. reverse mode is the adjoint of forward mode: ⟨u, J v⟩ = ⟨Jᵀu, v⟩, which
 *    needs no step size and so can be tight;
 * 3. second derivatives — jvp of grad and grad of grad — agree with finite
 *    differences of the gradient.
 *
 * The random directions, central differences and closeness rule are
 * `check.grad`'s own (`src/check`), and `gradMatchesFiniteDifferences` is
 * `check.grad` itself as a law, for functions of parameter trees.
 */

import { centralDifference } from '../src/check/differences.ts';
import { asFloat64 } from '../src/check/numeric.ts';
import type { GradCheckOptions, Tensor } from '../src/index.ts';
import { check, grad, jvp, mul, sum, tensor, vjp, zeros } from '../src/index.ts';
import type { Tolerance, Verdict } from './numeric.ts';
import { all, allClose, axpy, close, fail, pass, randomLike, rng, values, vdot } from './numeric.ts';

export type TensorFn = (...xs: Tensor[]) => Tensor;

const isFloat = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float64';

/** Random directions for float inputs, zeros for the others. */
function directions(xs: readonly Tensor[], seed: number): Tensor[] {
  const next = rng(seed);
  return xs.map((x) => (isFloat(x) ? randomLike(x, next) : zeros(x.shape, x.dtype)));
}

/**
 * (f(x + εv) − f(x − εv)) / 2ε as float64 tensors, for f returning several
 * tensors: check.grad's central difference, along v.
 */
function differencesAlong(
  f: (...xs: Tensor[]) => readonly Tensor[],
  xs: readonly Tensor[],
  vs: readonly Tensor[],
  eps: number,
): Tensor[] {
  let shapes: (readonly number[])[] = [];
  const at = (step: number): Float64Array => {
    const ys = f(...xs.map((x, i) => (isFloat(x) ? axpy(x, step, vs[i]!) : x)));
    shapes = ys.map((y) => y.shape);
    return Float64Array.from(ys.flatMap((y) => Array.from(values(y))));
  };
  const d = centralDifference(at, eps);
  let offset = 0;
  return shapes.map((shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    offset += size;
    return tensor(d.slice(offset - size, offset), { shape, dtype: 'float64' });
  });
}

const differenceAlong = (f: TensorFn, xs: readonly Tensor[], vs: readonly Tensor[], eps: number): Tensor =>
  differencesAlong((...a) => [f(...a)], xs, vs, eps)[0]!;

export { asFloat64 };

/**
 * Law 1: the JVP agrees with central finite differences along a random direction.
 * @example
 * const tol = { atol: 1e-6, rtol: 1e-5 }, x = tensor([0.5, 1], { dtype: 'float64' })
 * jvpMatchesFiniteDifferences(sin, tol)([x], 7).ok // => true
 * const wrong = customJvp((v: Tensor) => sin(v), ([v]: Tensor[], [t]: Tensor[]) => [sin(v), t])
 * jvpMatchesFiniteDifferences(wrong, tol)([x], 7).ok // => false
 */
export const jvpMatchesFiniteDifferences =
  (f: TensorFn, tol: Tolerance, eps = 1e-6) =>
  (xs: readonly Tensor[], seed: number): Verdict => {
    const vs = directions(xs, seed);
    const [y, dy] = jvp((...a: Tensor[]) => f(...a), [...xs], vs);
    if (!isFloat(y)) {
      return values(dy).every((d) => d === 0) ? pass : fail('jvp of a non-float output must be zero');
    }
    return allClose('jvp vs central differences', asFloat64(dy), differenceAlong(f, xs, vs, eps), tol);
  };

/**
 * Law 2: ⟨u, J v⟩ = ⟨Jᵀ u, v⟩ for random u and v. No step size, so the tolerance can be tight.
 * @example
 * const x = tensor([[1, 2], [3, 4]], { dtype: 'float64' })
 * vjpIsAdjointOfJvp((a: Tensor) => matmul(a, a), { atol: 1e-9, rtol: 1e-9 })([x], 1).ok // => true
 */
export const vjpIsAdjointOfJvp =
  (f: TensorFn, tol: Tolerance) =>
  (xs: readonly Tensor[], seed: number): Verdict => {
    const vs = directions(xs, seed);
    const [y, back] = vjp((...a: Tensor[]) => f(...a), ...xs);
    if (!isFloat(y)) return pass;
    const u = randomLike(y, rng(seed ^ 0x5bd1e995));
    const [, dy] = jvp((...a: Tensor[]) => f(...a), [...xs], vs);
    const cts = back(u);
    const lhs = vdot(u, dy);
    const rhs = cts.reduce((acc, ct, i) => (isFloat(xs[i]!) ? acc + vdot(ct, vs[i]!) : acc), 0);
    const shapes = all(...cts.map((ct, i) => (ct.shape.join() === xs[i]!.shape.join() ? pass : fail(`cotangent ${i} has shape [${ct.shape}] but its input has [${xs[i]!.shape}]`))));
    return all(shapes, close('<u, J v> vs <J^T u, v>', rhs, lhs, tol));
  };

/**
 * Law 2′, for functions with only a reverse-mode rule (`customVjp`):
 * ⟨u, (f(x + εv) − f(x − εv))/2ε⟩ agrees with ⟨Jᵀu, v⟩.
 * @example
 * const tol = { atol: 1e-6, rtol: 1e-6 }, x = tensor([1, 2], { dtype: 'float64' })
 * const double = (k: number) => customVjp((v: Tensor) => mul(v, 2), (v: Tensor) => [mul(v, 2), null], (_r, g: Tensor) => [mul(g, k)])
 * vjpMatchesFiniteDifferences(double(2), tol)([x], 3).ok // => true
 * vjpMatchesFiniteDifferences(double(3), tol)([x], 3).ok // => false
 */
export const vjpMatchesFiniteDifferences =
  (f: TensorFn, tol: Tolerance, eps = 1e-6) =>
  (xs: readonly Tensor[], seed: number): Verdict => {
    const vs = directions(xs, seed);
    const [y, back] = vjp((...a: Tensor[]) => f(...a), ...xs);
    if (!isFloat(y)) return pass;
    const u = randomLike(y, rng(seed ^ 0x5bd1e995));
    const cts = back(u);
    const viaVjp = cts.reduce((acc, ct, i) => (isFloat(xs[i]!) ? acc + vdot(ct, vs[i]!) : acc), 0);
    return close('<J^T u, v> vs <u, central differences along v>', viaVjp, vdot(u, differenceAlong(f, xs, vs, eps)), tol);
  };

/**
 * Law 3: with h(x) = ⟨w, f(x)⟩, the Hessian-vector product of h computed as
 * jvp-of-grad and as grad-of-grad agrees with finite differences of grad h.
 * @example
 * const x = tensor([0.5, -1], { dtype: 'float64' })
 * secondOrderMatchesFiniteDifferences((v: Tensor) => mul(sin(v), v), { atol: 1e-6, rtol: 1e-5 })([x], 5).ok // => true
 */
export const secondOrderMatchesFiniteDifferences =
  (f: TensorFn, tol: Tolerance, eps = 1e-5) =>
  (xs: readonly Tensor[], seed: number): Verdict => {
    const floatIdx = xs.flatMap((x, i) => (isFloat(x) ? [i] : []));
    if (floatIdx.length === 0) return pass;
    const y = f(...xs);
    if (!isFloat(y)) return pass;
    const w = randomLike(y, rng(seed ^ 0x27d4eb2d));
    const h = (...a: Tensor[]): Tensor => sum(mul(f(...a), w));
    const g = grad(h, { argnums: floatIdx }) as (...a: Tensor[]) => Tensor[];
    const vs = directions(xs, seed);

    // finite differences of the gradient along v
    const fd = differencesAlong(g, xs, vs, eps);

    // forward over reverse: jvp of the gradient
    const [, hvpFwd] = jvp((...a: Tensor[]) => g(...a), [...xs], vs);
    // reverse over reverse: gradient of ⟨grad h, v⟩
    const gv = (...a: Tensor[]): Tensor =>
      g(...a).reduce<Tensor>((acc, gi, k) => acc.add(sum(mul(gi, vs[floatIdx[k]!]!))), zeros([], xs[floatIdx[0]!]!.dtype));
    const hvpRev = grad(gv, { argnums: floatIdx })(...xs) as Tensor[];

    return all(
      ...fd.map((d, k) => allClose(`jvp-of-grad (input ${floatIdx[k]}) vs differences of grad`, asFloat64(hvpFwd[k]!), d, tol)),
      ...fd.map((d, k) => allClose(`grad-of-grad (input ${floatIdx[k]}) vs differences of grad`, asFloat64(hvpRev[k]!), d, tol)),
    );
  };

/**
 * `check.grad` as a law: every element of the float leaves of `args` (trees of
 * tensors; sampled past `maxElements`), forward and reverse mode, up to
 * `options.order`, agree with central differences. The verdict's message is
 * the failure's, naming the leaf path and index.
 * @example
 * const params = { w: tensor([1, -2], { dtype: 'float64' }), b: scalar(0.5, 'float64') }
 * const loss = (p: typeof params) => sum(tanh(add(p.w, p.b)))
 * gradMatchesFiniteDifferences(loss)([params]).ok // => true
 * const leaky = customJvp((x: Tensor) => nn.relu(x), ([x]: Tensor[], [t]: Tensor[]) => [nn.relu(x), t])
 * gradMatchesFiniteDifferences((p: typeof params) => sum(leaky(p.w)))([params]).message.includes('args[0].w[1]') // => true
 */
export const gradMatchesFiniteDifferences =
  (f: (...args: never[]) => unknown, options: GradCheckOptions = {}) =>
  (args: readonly unknown[]): Verdict => {
    const r = check.grad(f, args, options);
    return r._tag === 'Right' ? pass : fail(r.left.message);
  };
