/**
 * Reductions with an options object: `sum(x, { axis: -1, keepdims: true })`.
 * No axis means all axes. `min` is −max(−x) and `mean` is a scaled `sum`, so
 * their gradients come from those; at ties `max` and `min` split the gradient
 * evenly among the tied entries.
 */

import * as A from '../primitives/arith.ts';
import * as L from '../primitives/linear.ts';
import * as U from '../primitives/unary.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { filled } from '../tensor/tensor.ts';
import { customJvp } from '../control/custom.ts';
import { resolveAxes } from './axes.ts';
import { reverseOrder } from './operand.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface ReduceOptions {
  /** Axis or axes to reduce; negative counts from the end; all axes when absent. */
  readonly axis?: number | readonly number[];
  /** Keep reduced axes with length 1 so the result broadcasts against the input. */
  readonly keepdims?: boolean;
}

const keep = (x: Tensor, axes: readonly number[], r: Tensor, keepdims: boolean | undefined): Tensor =>
  keepdims ? L.reshape(r, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : r;

/** Σ over the axes; bools are counted (summed as int32), as in NumPy. */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axes = resolveAxes('sum', x, options.axis);
  const xs = x.dtype === 'bool' ? L.cast(x, 'int32') : x;
  return keep(x, axes, L.reduceSum(xs, axes), options.keepdims);
}

export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axes = resolveAxes('mean', x, options.axis);
  const xf = isFloat(x.dtype) ? x : L.cast(x, 'float32');
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return keep(x, axes, A.div(L.reduceSum(xf, axes), filled([], xf.dtype, count)), options.keepdims);
}

export function max(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axes = resolveAxes('max', x, options.axis);
  return keep(x, axes, A.reduceMax(x, axes), options.keepdims);
}

/**
 * The minimum, as the maximum of an order-reversing map: −x for floats, and
 * for int32 the bitwise complement −x − 1, which never overflows (−x does at
 * −2³¹).
 */
export function min(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axes = resolveAxes('min', x, options.axis);
  if (x.dtype === 'bool') throw new PuregradError('min', 'needs a numeric tensor, got bool; cast it first');
  return keep(x, axes, reverseOrder(A.reduceMax(reverseOrder(x), axes)), options.keepdims);
}

/**
 * log Σ exp(x), computed stably by shifting by the maximum. Its derivative is
 * given by a custom rule, d logsumexp = Σ softmax(x)·dx, rather than derived
 * through the shift and the max: exactly the softmax, finite for inputs as
 * large as ±1e4, and itself differentiable again.
 */
export function logsumexp(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axes = resolveAxes('logsumexp', x, options.axis);
  const keepdims = options.keepdims ?? false;
  const xf = isFloat(x.dtype) ? x : L.cast(x, 'float32');
  const rule = ([v]: readonly [Tensor], [t]: readonly [Tensor]): [Tensor, Tensor] => {
    // p = softmax(v), from the shifted exponentials: exp(v − logsumexp) would
    // carry logsumexp's rounding (large at |v| ≈ 1e4 in float32).
    const e = U.exp(shiftedByMax(v, axes));
    const p = A.div(e, L.reshape(L.reduceSum(e, axes), kept(v, axes)));
    return [shiftedLogSumExp(v, axes, keepdims), keep(v, axes, L.reduceSum(A.mul(p, t), axes), keepdims)];
  };
  return customJvp((v: Tensor) => shiftedLogSumExp(v, axes, keepdims), rule)(xf);
}

const kept = (x: Tensor, axes: readonly number[]): number[] => x.shape.map((d, i) => (axes.includes(i) ? 1 : d));

/** The maximum over `axes`, or 0 where it is ±∞ (so that shifting by it keeps ±∞ inputs meaningful). */
function finiteMax(x: Tensor, axes: readonly number[]): Tensor {
  const m = A.reduceMax(x, axes);
  const zero = filled([], x.dtype, 0);
  return L.select(A.equal(L.sub(m, m), zero), m, zero);
}

const shiftedByMax = (x: Tensor, axes: readonly number[]): Tensor => L.sub(x, L.reshape(finiteMax(x, axes), kept(x, axes)));

function shiftedLogSumExp(x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const shift = finiteMax(x, axes);
  const shifted = L.sub(x, L.reshape(shift, kept(x, axes)));
  return keep(x, axes, L.add(U.log(L.reduceSum(U.exp(shifted), axes)), shift), keepdims);
}

/** Index of the first maximum along `axis` (of the flattened tensor when absent), as int32. */
export function argmax(x: Tensor, options: { readonly axis?: number } = {}): Tensor {
  if (options.axis === undefined) return A.argmax(L.reshape(x, [x.size]), 0);
  return A.argmax(x, resolveAxes('argmax', x, options.axis)[0]!);
}

export function argmin(x: Tensor, options: { readonly axis?: number } = {}): Tensor {
  return argmax(reverseOrder(x), options);
}
