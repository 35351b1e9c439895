/**
 * Numeric helpers for the laws: a seeded random generator, random tensors
 * shaped like others, inner products and a closeness check that reports the
 * worst element. Everything works in float64 on copies of the data.
 */

import type { Tensor } from '../src/index.ts';
import type { Tolerance } from '../src/check/compare.ts';
import { agrees, compareValues } from '../src/check/compare.ts';
import { values } from '../src/check/numeric.ts';

// The arithmetic and the closeness rule are check.grad's own (src/check), so a law and
// check.grad judge a derivative alike.
export { axpy, randomLike, rng, values, vdot } from '../src/check/numeric.ts';
export type { Tolerance } from '../src/check/compare.ts';

/** The outcome of a law: `ok`, or a message naming what differed and where. */
export interface Verdict {
  readonly ok: boolean;
  readonly message: string;
}

export const pass: Verdict = { ok: true, message: 'ok' };
export const fail = (message: string): Verdict => ({ ok: false, message });

/**
 * |a − b| ≤ atol + rtol·|b| elementwise (equal infinities and two NaNs agree); the message names the worst element,
 * the one furthest outside its tolerance.
 * @example
 * allClose('y', tensor([1, 2]), tensor([1, 2.001]), { atol: 0, rtol: 1e-3 }).ok // => true
 * allClose('y', tensor([1, 2]), tensor([1, 3]), { atol: 0.1, rtol: 0 }).message // => "y: element 1 is 2 but expected 3 (atol 0.1, rtol 0)"
 */
export function allClose(what: string, actual: Tensor, expected: Tensor, tol: Tolerance): Verdict {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return fail(`${what}: shape [${actual.shape}] differs from expected [${expected.shape}]`);
  }
  const [a, b] = [values(actual), values(expected)];
  const c = compareValues(a, b, tol);
  if (c.ok) return pass;
  return fail(`${what}: element ${c.worst} is ${a[c.worst]} but expected ${b[c.worst]} (atol ${tol.atol}, rtol ${tol.rtol})`);
}

/**
 * Scalar closeness with the same rule as `allClose`: |actual − expected| ≤ atol + rtol·|expected|.
 * @example
 * close('loss', 1.0005, 1, { atol: 1e-3, rtol: 0 }).ok // => true
 * close('loss', 1.1, 1, { atol: 1e-3, rtol: 0 }).message // => "loss: 1.1 but expected 1 (atol 0.001, rtol 0)"
 */
export function close(what: string, actual: number, expected: number, tol: Tolerance): Verdict {
  if (agrees(actual, expected, tol)) return pass;
  return fail(`${what}: ${actual} but expected ${expected} (atol ${tol.atol}, rtol ${tol.rtol})`);
}

/**
 * Combine verdicts: the first failing one, or a pass when all hold.
 * @example
 * const exact = { atol: 0, rtol: 0 }
 * all(close('a', 1, 1, exact), close('b', 2, 3, exact), close('c', 4, 5, exact)).message // => "b: 2 but expected 3 (atol 0, rtol 0)"
 * all().ok // => true
 */
export const all = (...verdicts: readonly Verdict[]): Verdict => verdicts.find((v) => !v.ok) ?? pass;
