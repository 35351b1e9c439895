/**
 * Generated cases for the optimizer laws of `optim.ts` — parameter trees with
 * a gradient per step, and random convex quadratics with their Lipschitz
 * constant — and the fast-check harnesses users call on their own
 * transformations.
 */

import type { Tensor } from '../src/index.ts';
import { optim, tensor, tree } from '../src/index.ts';
import { shape as shapeArb, tensorOf } from './arbitraries.ts';
import fc from './fc.ts';
import type { RunOptions } from './harness.ts';
import { assertLaw, checkHarnessOptions } from './harness.ts';
import type { Tolerance } from './numeric.ts';
import { rng } from './numeric.ts';
import type { OptimizerCase, Quadratic, Transformation } from './optim.ts';
import {
  chainHasIdentity, chainIsAssociative, descendsOnQuadratic, jitUpdateMatchesEager, updateIsPure, updatePreservesStructure,
} from './optim.ts';

type Params = optim.Params;

export interface OptimizerCaseConstraints {
  /** Number of steps (default 1–4). */
  readonly minSteps?: number;
  readonly maxSteps?: number;
  /** Keep |gradient| entries at least this far from 0 (default 0). */
  readonly awayFromZero?: number;
}

/**
 * Cases for the optimizer laws: float64 parameters `{ w, rest: [...] }` of 1–3
 * leaves of rank ≤ 2, and one gradient per step.
 * @example
 * const [c] = fc.sample(optimizerCase({ minSteps: 2, maxSteps: 2 }), { seed: 1, numRuns: 1 })
 * const shown = (t: unknown) => tree.showStructure(tree.structure(t as never))
 * [c.gradients.length, shown(c.params) === shown(c.gradients[1])] // => [2, true]
 */
export function optimizerCase(c: OptimizerCaseConstraints = {}): fc.Arbitrary<OptimizerCase> {
  const asTree = (ls: readonly Tensor[]): Params => ({ w: ls[0]!, rest: ls.slice(1) });
  return fc.array(shapeArb({ maxRank: 2, maxDim: 3 }), { minLength: 1, maxLength: 3 }).chain((shapes) => {
    const leaves = (away: number) => fc.tuple(...shapes.map((s) => tensorOf(s, { awayFromZero: away })));
    return fc.record({
      params: leaves(0).map(asTree),
      gradients: fc.array(leaves(c.awayFromZero ?? 0).map(asTree), {
        minLength: c.minSteps ?? 1,
        maxLength: c.maxSteps ?? 4,
      }),
    });
  });
}

/**
 * Random convex quadratics in 1–`maxDim` dimensions: A = MᵀM + μI (μ in
 * [0.1, 1]), with L = λ_max(A) by power iteration (in float64, to rounding).
 * @example
 * const [q] = fc.sample(convexQuadratic(), { seed: 3, numRuns: 1 })
 * q.lipschitz > 0 && q.a.shape[0] === q.x0.shape[0] // => true
 */
export function convexQuadratic(maxDim = 4): fc.Arbitrary<Quadratic> {
  const drawn = fc.record({
    n: fc.integer({ min: 1, max: maxDim }),
    seed: fc.integer({ min: 0, max: 0x7fffffff }),
    mu: fc.double({ min: 0.1, max: 1, noNaN: true }),
  });
  return drawn.map(({ n, seed, mu }) => {
    const next = rng(seed);
    const m = Array.from({ length: n * n }, () => 2 * next() - 1);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      let s = i === j ? mu : 0;
      for (let k = 0; k < n; k++) s += m[k * n + i]! * m[k * n + j]!;
      a[i * n + j] = s;
    }
    let v = Array.from({ length: n }, () => 1 + next());
    let lambda = 0;
    for (let it = 0; it < 500; it++) {
      const w = v.map((_, i) => v.reduce((s, vj, j) => s + a[i * n + j]! * vj, 0));
      const len = Math.hypot(...w);
      lambda = w.reduce((s, wi, i) => s + wi * v[i]!, 0) / v.reduce((s, vi) => s + vi * vi, 0);
      v = w.map((x) => x / len);
    }
    const vec = () => tensor(Float64Array.from({ length: n }, () => 4 * next() - 2));
    return { a: tensor(a, { shape: [n, n] }), b: vec(), x0: vec(), lipschitz: lambda };
  });
}

/**
 * Cases for the optimizer laws on parameters of the user's own structure: the
 * parameters drawn from `params`, and `minSteps`–`maxSteps` gradients of the
 * same structure, shapes and dtypes (entries in [−2, 2], at least
 * `awayFromZero` from 0).
 * @example
 * const [c] = fc.sample(optimizerCaseOf(mlpParams([2, 3, 1]), { minSteps: 3, maxSteps: 3 }), { seed: 1, numRuns: 1 })
 * [c.gradients.length, c.gradients[2][1].w.shape] // => [3, [3, 1]]
 */
export function optimizerCaseOf(params: fc.Arbitrary<Params>, c: OptimizerCaseConstraints = {}): fc.Arbitrary<OptimizerCase> {
  return params.chain((p) => {
    const [ls, def] = tree.flatten(p) as [Tensor[], tree.TreeDef];
    const gradient = fc.tuple(...ls.map((l) => tensorOf(l.shape, { dtype: l.dtype, awayFromZero: c.awayFromZero ?? 0 })))
      .map((gs) => tree.unflatten(def, gs) as Params);
    return fc.record({
      params: fc.constant(p),
      gradients: fc.array(gradient, { minLength: c.minSteps ?? 1, maxLength: c.maxSteps ?? 4 }),
    });
  });
}

export interface OptimizerLawOptions extends RunOptions {
  /** Tolerance of the identity and jit laws (default exact). */
  readonly tol?: Tolerance;
  /** The cases to run on (default `optimizerCase()`; `optimizerCaseOf(params)` for a model's own parameters). */
  readonly cases?: fc.Arbitrary<OptimizerCase>;
}

/**
 * Check a transformation against the laws every one must obey: pure and
 * deterministic, structure preserved, chain identity on both sides, and
 * `jit(update) ≡ update`, on generated float64 cases (30 runs by default).
 * @example
 * checkOptimizerLaws(optim.chain(optim.clipByGlobalNorm(1), optim.adam(0.01)), { numRuns: 3 })
 */
export function checkOptimizerLaws(t: Transformation, options: OptimizerLawOptions = {}): void {
  checkHarnessOptions('checkOptimizerLaws', options, ['tol', 'cases']);
  const tol = options.tol ?? { atol: 0, rtol: 0 };
  const run = { numRuns: options.numRuns ?? 30, ...(options.seed === undefined ? {} : { seed: options.seed }) };
  const cases = options.cases ?? optimizerCase();
  assertLaw(cases, updateIsPure(t), run);
  assertLaw(cases, updatePreservesStructure(t), run);
  assertLaw(cases, chainHasIdentity(t, tol), run);
  assertLaw(cases, jitUpdateMatchesEager(t, tol), run);
}

/**
 * Check that chaining `a`, `b`, `c` is associative on generated cases.
 * @example
 * checkChainAssociativity(optim.clip(1), optim.scaleByAdam(), optim.scale(-0.1), { numRuns: 3 })
 */
export function checkChainAssociativity(
  a: Transformation,
  b: Transformation,
  c: Transformation,
  options: OptimizerLawOptions = {},
): void {
  checkHarnessOptions('checkChainAssociativity', options, ['tol', 'cases']);
  const run = { numRuns: options.numRuns ?? 30, ...(options.seed === undefined ? {} : { seed: options.seed }) };
  assertLaw(options.cases ?? optimizerCase(), chainIsAssociative(a, b, c, options.tol ?? { atol: 0, rtol: 0 }), run);
}

export interface DescentLawOptions extends RunOptions {
  /** Steps per quadratic (default 20). */
  readonly steps?: number;
  /** Largest dimension of the quadratics (default 4). */
  readonly maxDim?: number;
}

/**
 * Each of `steps` updates strictly lowers a random convex quadratic
 * f(x) = ½xᵀAx − bᵀx; `make` builds the transformation for the quadratic
 * (its `lipschitz` constant L bounds stable step sizes: gradient descent needs
 * lr < 2/L). 30 runs by default.
 * @example
 * checkDescent((q) => optim.sgd(1 / q.lipschitz), { numRuns: 5, steps: 10 })
 * let failed = false
 * try { checkDescent((q) => optim.sgd(3 / q.lipschitz), { numRuns: 20 }) } catch { failed = true }
 * failed // => true
 */
export function checkDescent(make: (q: Quadratic) => Transformation, options: DescentLawOptions = {}): void {
  checkHarnessOptions('checkDescent', options, ['maxDim', 'steps']);
  const run = { numRuns: options.numRuns ?? 30, ...(options.seed === undefined ? {} : { seed: options.seed }) };
  assertLaw(convexQuadratic(options.maxDim ?? 4), descendsOnQuadratic(make, options.steps ?? 20), run);
}
