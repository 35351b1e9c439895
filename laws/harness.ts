/**
 * fast-check harnesses around the law predicates: run a law over generated
 * inputs and fail with the law's own message and the counterexample. These are
 * what users call from their test suites: on flat tensor arguments
 * (`checkGradientLaws`) or on parameter trees (`checkGradients`, which is
 * `check.grad` per element, `checkAdjointness`, `checkJitMatchesEager`).
 */

import fc from './fc.ts';
import { checkOptionKeys } from '../src/nn/options.ts';
import type { GradCheckOptions, Tensor } from '../src/index.ts';
import type { TensorFn } from './ad.ts';
import {
  gradMatchesFiniteDifferences, jvpMatchesFiniteDifferences, secondOrderMatchesFiniteDifferences, vjpIsAdjointOfJvp, vjpMatchesFiniteDifferences,
} from './ad.ts';
import { seed } from './arbitraries.ts';
import type { TreeFn } from './functions.ts';
import { adjointHoldsOnTrees, jitCallMatchesEager } from './functions.ts';
import type { Tolerance, Verdict } from './numeric.ts';

export interface RunOptions {
  readonly numRuns?: number;
  readonly seed?: number;
}

const RUN_KEYS = ['numRuns', 'seed'] as const;
const GRAD_KEYS = ['order', 'modes', 'eps', 'atol', 'rtol', 'argnums', 'maxElements'] as const;

/**
 * Throws a `PuregradError` naming the harness when `options` has a key it does not take (a misspelled
 * `numruns` would otherwise be ignored and the law run with its defaults), before any case is generated.
 * @internal
 */
export function checkHarnessOptions(harness: string, options: unknown, keys: readonly string[]): void {
  checkOptionKeys(harness, options, [...RUN_KEYS, ...keys]);
}

/**
 * Assert `law` over `arb` (50 runs, fixed seed, unless `options` say otherwise);
 * throws with the law's message on the first (shrunk) failure.
 * @example
 * assertLaw(tensorOf([3]), (x) => allClose('x + x', add(x, x), mul(x, 2), { atol: 0, rtol: 0 }), { numRuns: 10 })
 * let message = ''
 * try { assertLaw(fc.constant(scalar(1)), (x) => close('x', x.item(), 2, { atol: 0, rtol: 0 })) } catch (e) { message = String(e) }
 * message.includes('x: 1 but expected 2') // => true
 */
export function assertLaw<T>(arb: fc.Arbitrary<T>, law: (input: T) => Verdict, options: RunOptions = {}): void {
  checkHarnessOptions('assertLaw', options, []);
  fc.assert(
    fc.property(arb, (input) => {
      const v = law(input);
      if (!v.ok) throw new Error(v.message);
    }),
    { numRuns: options.numRuns ?? 50, seed: options.seed ?? 20261127, includeErrorInReport: true },
  );
}

export interface GradientLawOptions extends RunOptions {
  /** Tolerance for the finite-difference laws (default atol 1e-6, rtol 1e-5). */
  readonly tol?: Tolerance;
  /** Tolerance for the adjoint law (default 1e-9 both). */
  readonly adjointTol?: Tolerance;
  /** Also check second derivatives (default true). */
  readonly secondOrder?: boolean;
  /**
   * Check forward mode (default true). Set false for functions with only a
   * reverse-mode rule (`customVjp`): the reverse-mode derivative is then
   * checked against finite differences directly.
   */
  readonly forwardMode?: boolean;
}

/**
 * Check a user's differentiable function against the first- and second-order
 * laws on generated inputs (use float64 inputs).
 * @example
 * checkGradientLaws((w, x) => sum(tanh(matmul(x, w))), fc.tuple(tensorOf([3, 2]), tensorOf([4, 3])), { numRuns: 5 })
 */
export function checkGradientLaws(f: TensorFn, inputs: fc.Arbitrary<readonly Tensor[]>, options: GradientLawOptions = {}): void {
  checkHarnessOptions('checkGradientLaws', options, ['tol', 'adjointTol', 'secondOrder', 'forwardMode']);
  const tol = options.tol ?? { atol: 1e-6, rtol: 1e-5 };
  const adjointTol = options.adjointTol ?? { atol: 1e-9, rtol: 1e-9 };
  const cases = fc.tuple(inputs, seed());
  const { tol: _tol, adjointTol: _adjointTol, secondOrder: _secondOrder, forwardMode: _forwardMode, ...run } = options;
  if (options.forwardMode ?? true) {
    assertLaw(cases, ([xs, s]) => jvpMatchesFiniteDifferences(f, tol)(xs, s), run);
    assertLaw(cases, ([xs, s]) => vjpIsAdjointOfJvp(f, adjointTol)(xs, s), run);
  } else {
    assertLaw(cases, ([xs, s]) => vjpMatchesFiniteDifferences(f, tol)(xs, s), run);
  }
  if (options.secondOrder ?? true) assertLaw(cases, ([xs, s]) => secondOrderMatchesFiniteDifferences(f, tol)(xs, s), run);
}

/**
 * `check.grad` on generated arguments: for each case drawn from `args` (arrays
 * of the arguments, trees of tensors — use float64), every checked element of
 * the float leaves agrees with central differences, forward and reverse mode,
 * up to `order` (default 1; 2 adds the second derivatives). Fails with the
 * leaf path and index of the worst element. 20 runs by default.
 * @example
 * const loss = (p: nn.MlpParams, x: Tensor) => sum(nn.mlp([2, 3, 1], { activation: nn.tanh }).apply(p, x))
 * checkGradients(loss, fc.tuple(mlpParams([2, 3, 1]), tensorOf([4, 2])), { order: 2, numRuns: 2 })
 */
export function checkGradients(
  f: (...args: never[]) => unknown,
  args: fc.Arbitrary<readonly unknown[]>,
  options: GradCheckOptions & RunOptions = {},
): void {
  checkHarnessOptions('checkGradients', options, GRAD_KEYS);
  const { numRuns, seed: runSeed, ...gradOptions } = options;
  const run = { numRuns: numRuns ?? 20, ...(runSeed === undefined ? {} : { seed: runSeed }) };
  assertLaw(args, gradMatchesFiniteDifferences(f, gradOptions), run);
}

export interface AdjointLawOptions extends RunOptions {
  /** Tolerance (default 1e-9 both: the law needs no step size). */
  readonly tol?: Tolerance;
}

/**
 * Reverse mode is the adjoint of forward mode, ⟨u, J v⟩ = ⟨Jᵀu, v⟩, for a
 * function of trees returning a tensor, on generated arguments (50 runs).
 * @example
 * const layer = (p: { w: Tensor; b: Tensor }, x: Tensor) => tanh(add(matmul(x, p.w), p.b))
 * checkAdjointness(layer, fc.tuple(fc.record({ w: tensorOf([3, 2]), b: tensorOf([2]) }), tensorOf([4, 3])), { numRuns: 5 })
 */
export function checkAdjointness(f: TreeFn, args: fc.Arbitrary<readonly unknown[]>, options: AdjointLawOptions = {}): void {
  checkHarnessOptions('checkAdjointness', options, ['tol']);
  const tol = options.tol ?? { atol: 1e-9, rtol: 1e-9 };
  const { tol: _tol, ...run } = options;
  assertLaw(fc.tuple(args, seed()), ([a, s]) => adjointHoldsOnTrees(f, tol)(a, s), run);
}

export interface JitLawOptions extends RunOptions {
  /** Tolerance (default exact: jit ≡ eager bit for bit). */
  readonly tol?: Tolerance;
}

/**
 * `jit(f) ≡ f` on generated arguments (trees of tensors in, trees of tensors out; 50 runs).
 * @example
 * const step = (p: { w: Tensor }, x: Tensor) => ({ w: sub(p.w, mul(0.1, grad((w: Tensor) => sum(mul(w, x)))(p.w))) })
 * checkJitMatchesEager(step, fc.tuple(fc.record({ w: tensorOf([3]) }), tensorOf([3])), { numRuns: 5 })
 */
export function checkJitMatchesEager(
  f: (...args: never[]) => unknown,
  args: fc.Arbitrary<readonly unknown[]>,
  options: JitLawOptions = {},
): void {
  checkHarnessOptions('checkJitMatchesEager', options, ['tol']);
  const { tol: _tol, ...run } = options;
  assertLaw(args, jitCallMatchesEager(f, options.tol), run);
}
