/**
 * Numeric helpers for the laws: a seeded random generator, random tensors
 * shaped like others, inner products and a closeness check that reports the
 * worst element. Everything works in float64 on copies of the data.
 */

import { Tensor, tensor } from '../src/index.ts';

/**
 * A small deterministic generator (mulberry32) of numbers in [0, 1): same seed, same numbers everywhere.
 * @example
 * const [a, b] = [rng(42), rng(42)]
 * a() === b() && a() === b() // => true
 * Array.from({ length: 100 }, rng(7)).every((u) => u >= 0 && u < 1) // => true
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A tensor of `like`'s shape and dtype with entries uniform in [−1, 1). */
export function randomLike(like: Tensor, next: () => number): Tensor {
  const data = new Float64Array(like.size).map(() => 2 * next() - 1);
  return tensor(data, { shape: like.shape, dtype: like.dtype });
}

export const values = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray());

/** Σ aᵢbᵢ over all elements, in float64. */
export function vdot(a: Tensor, b: Tensor): number {
  const x = values(a);
  const y = values(b);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** x + s·v elementwise, in x's dtype. */
export function axpy(x: Tensor, s: number, v: Tensor): Tensor {
  const a = values(x);
  const b = values(v);
  return tensor(a.map((ai, i) => ai + s * b[i]!), { shape: x.shape, dtype: x.dtype });
}

export interface Tolerance {
  readonly atol: number;
  readonly rtol: number;
}

/** The outcome of a law: `ok`, or a message naming what differed and where. */
export interface Verdict {
  readonly ok: boolean;
  readonly message: string;
}

export const pass: Verdict = { ok: true, message: 'ok' };
export const fail = (message: string): Verdict => ({ ok: false, message });

/**
 * |a − b| ≤ atol + rtol·|b| elementwise (equal infinities and two NaNs agree); the message names the worst element.
 * @example
 * allClose('y', tensor([1, 2]), tensor([1, 2.001]), { atol: 0, rtol: 1e-3 }).ok // => true
 * allClose('y', tensor([1, 2]), tensor([1, 3]), { atol: 0.1, rtol: 0 }).message // => "y: element 1 is 2 but expected 3 (atol 0.1, rtol 0)"
 */
export function allClose(what: string, actual: Tensor, expected: Tensor, tol: Tolerance): Verdict {
  if (actual.shape.length !== expected.shape.length || actual.shape.some((d, i) => d !== expected.shape[i])) {
    return fail(`${what}: shape [${actual.shape}] differs from expected [${expected.shape}]`);
  }
  const a = values(actual);
  const b = values(expected);
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]!) && Number.isNaN(b[i]!))) continue; // equal, or both NaN
    const excess = Math.abs(a[i]! - b[i]!) - (tol.atol + tol.rtol * Math.abs(b[i]!));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst < 0) return pass;
  return fail(`${what}: element ${worst} is ${a[worst]} but expected ${b[worst]} (atol ${tol.atol}, rtol ${tol.rtol})`);
}

/**
 * Scalar closeness with the same rule as `allClose`: |actual − expected| ≤ atol + rtol·|expected|.
 * @example
 * close('loss', 1.0005, 1, { atol: 1e-3, rtol: 0 }).ok // => true
 * close('loss', 1.1, 1, { atol: 1e-3, rtol: 0 }).message // => "loss: 1.1 but expected 1 (atol 0.001, rtol 0)"
 */
export function close(what: string, actual: number, expected: number, tol: Tolerance): Verdict {
  const ok = Math.abs(actual - expected) <= tol.atol + tol.rtol * Math.abs(expected);
  return ok ? pass : fail(`${what}: ${actual} but expected ${expected} (atol ${tol.atol}, rtol ${tol.rtol})`);
}

/**
 * Combine verdicts: the first failing one, or a pass when all hold.
 * @example
 * const exact = { atol: 0, rtol: 0 }
 * all(close('a', 1, 1, exact), close('b', 2, 3, exact), close('c', 4, 5, exact)).message // => "b: 2 but expected 3 (atol 0, rtol 0)"
 * all().ok // => true
 */
export const all = (...verdicts: readonly Verdict[]): Verdict => verdicts.find((v) => !v.ok) ?? pass;
