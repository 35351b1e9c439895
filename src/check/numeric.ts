/**
 * Numeric helpers shared by `check.grad` and the laws of `puregrad/testing`:
 * a seeded random generator, random tensors shaped like others, and plain
 * float64 arithmetic on copies of tensors' data (read-outs, inner products,
 * perturbations, upcasts). Gradient checks do their reference arithmetic here,
 * in float64 and outside any trace.
 */

import { tensor } from '../tensor/create.ts';
import type { DType } from '../tensor/dtype.ts';
import type { Tensor } from '../tensor/tensor.ts';

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

/** A copy of `t`'s elements as float64. */
export const values = (t: Tensor): Float64Array => Float64Array.from(t.toTypedArray());

/** A tensor of `shape` and `dtype` from float64 data (rounded to `dtype`). */
export const fromValues = (data: Float64Array, shape: readonly number[], dtype: DType): Tensor =>
  tensor(data, { shape, dtype });

/** `t` as a float64 tensor (a copy; the values are exact, float32 widens without rounding). */
export const asFloat64 = (t: Tensor): Tensor => fromValues(values(t), t.shape, 'float64');

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
  return fromValues(a.map((ai, i) => ai + s * b[i]!), x.shape, x.dtype);
}

/** `x` with element `index` (flat, row-major) moved by `delta`, in x's dtype. */
export function nudge(x: Tensor, index: number, delta: number): Tensor {
  const a = values(x);
  a[index] = a[index]! + delta;
  return fromValues(a, x.shape, x.dtype);
}

/** The multi-index of flat (row-major) position `flat` in `shape`. */
export function unravel(flat: number, shape: readonly number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    const d = shape[axis]!;
    index[axis] = rest % d;
    rest = Math.floor(rest / d);
  }
  return index;
}
