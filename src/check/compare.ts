/**
 * Closeness, as every gradient check and law in puregrad judges it: `got`
 * agrees with `expected` when |got − expected| ≤ atol + rtol·|expected|
 * (NumPy's `allclose` rule, which JAX's `check_grads` uses), equal infinities
 * and two NaNs agree, and a comparison of many elements names the worst one —
 * the element furthest outside its own tolerance.
 */

/** Absolute and relative tolerance: `got` may differ from `expected` by atol + rtol·|expected|. */
export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** The outcome of comparing elements: agreement, and the worst element with the largest errors. */
export interface Comparison {
  readonly ok: boolean;
  /** How many elements were compared. */
  readonly count: number;
  /** The element furthest outside its tolerance (relative to that tolerance); −1 when nothing was compared. */
  readonly worst: number;
  /** The largest |got − expected| (Infinity where one side is NaN and the other is not). */
  readonly maxAbsError: number;
  /** The largest |got − expected| / |expected| (0/0 counts as 0, x/0 as Infinity). */
  readonly maxRelError: number;
}

/** How far `got` may be from `expected`: atol + rtol·|expected|. */
export const allowance = (expected: number, tol: Tolerance): number => tol.atol + tol.rtol * Math.abs(expected);

/** |got − expected|, 0 for equal values (infinities too) and two NaNs, Infinity when just one is NaN. */
export function absError(got: number, expected: number): number {
  if (got === expected || (Number.isNaN(got) && Number.isNaN(expected))) return 0;
  if (Number.isNaN(got) || Number.isNaN(expected)) return Infinity;
  return Math.abs(got - expected);
}

/** An error within its allowance; an infinite error (one side NaN or infinite, the other not) never is. */
const within = (err: number, allowed: number): boolean => err === 0 || (Number.isFinite(err) && err <= allowed);

const relError = (err: number, expected: number): number =>
  err === 0 ? 0 : Math.abs(expected) === 0 || !Number.isFinite(expected) ? Infinity : err / Math.abs(expected);

/** Compare `got` with `expected` element by element (they must have one length). */
export function compareValues(got: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): Comparison {
  let ok = true;
  let worst = -1;
  let worstRatio = -1;
  let worstErr = -1;
  let maxAbsError = 0;
  let maxRelError = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    const err = absError(got[i]!, e);
    const allowed = allowance(e, tol);
    if (!within(err, allowed)) ok = false;
    const ratio = err === 0 ? 0 : Number.isFinite(err) && allowed > 0 ? err / allowed : Infinity;
    if (ratio > worstRatio || (ratio === worstRatio && err > worstErr)) [worst, worstRatio, worstErr] = [i, ratio, err];
    maxAbsError = Math.max(maxAbsError, err);
    maxRelError = Math.max(maxRelError, relError(err, e));
  }
  return { ok, count: expected.length, worst, maxAbsError, maxRelError };
}

/** One number against another, by the same rule. */
export const agrees = (got: number, expected: number, tol: Tolerance): boolean =>
  within(absError(got, expected), allowance(expected, tol));
