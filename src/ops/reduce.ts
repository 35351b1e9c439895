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
import { normalizeAxis, showShape } from '../tensor/shape.ts';
import { filled } from '../tensor/tensor.ts';
import { customJvp } from '../control/custom.ts';
import type { Tensor } from '../tensor/tensor.ts';

export interface ReduceOptions {
  /** Axis or axes to reduce; negative counts from the end; all axes when absent. */
  readonly axis?: number | readonly number[];
  /** Keep reduced axes with length 1 so the result broadcasts against the input. */
  readonly keepdims?: boolean;
}

/** Normalised, sorted, unique axes; throws naming `op` when one is out of range. */
export function resolveAxes(op: string, x: Tensor, axis: number | readonly number[] | undefined): number[] {
  if (axis === undefined) return x.shape.map((_, i) => i);
  const list = typeof axis === 'number' ? [axis] : axis;
  const out = list.map((a) => {
    const n = normalizeAxis(a, x.rank);
    if (n === undefined) throw new PuregradError(op, `axis ${a} is out of range for shape ${showShape(x.shape)}`);
    return n;
  });
  const sorted = [...new Set(out)].sort((a, b) => a - b);
  if (sorted.length !== out.length) throw new PuregradError(op, `axis (${list.join(',')}) repeats an axis`);
  return sorted;
}

const keep = (x: Tensor, axes: readonly number[], r: Tensor, keepdims: boolean | undefined): Tensor =>
  keepdims ? L.reshape(r, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : r;

export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axes = resolveAxes('sum', x, options.axis);
  return keep(x, axes, L.reduceSum(x, axes), options.keepdims);
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

export function min(x: Tensor, options: ReduceOptions = {}): Tensor {
  const axes = resolveAxes('min', x, options.axis);
  return keep(x, axes, L.neg(A.reduceMax(L.neg(x), axes)), options.keepdims);
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
  const rule = ([v]: readonly [Tensor], [t]: readonly [Tensor]): [Tensor, Tensor] => {
    const out = shiftedLogSumExp(v, axes, keepdims);
    const p = U.exp(L.sub(v, keepdims ? out : L.reshape(out, kept(v, axes))));
    return [out, keep(v, axes, L.reduceSum(A.mul(p, t), axes), keepdims)];
  };
  return customJvp((v: Tensor) => shiftedLogSumExp(v, axes, keepdims), rule)(x);
}

const kept = (x: Tensor, axes: readonly number[]): number[] => x.shape.map((d, i) => (axes.includes(i) ? 1 : d));

function shiftedLogSumExp(x: Tensor, axes: readonly number[], keepdims: boolean): Tensor {
  const m = A.reduceMax(x, axes);
  const zero = filled([], x.dtype, 0);
  const shift = L.select(A.equal(L.sub(m, m), zero), m, zero); // 0 where the max is ±∞
  const shifted = L.sub(x, L.reshape(shift, kept(x, axes)));
  return keep(x, axes, L.add(U.log(L.reduceSum(U.exp(shifted), axes)), shift), keepdims);
}

/** Index of the first maximum along `axis` (of the flattened tensor when absent), as int32. */
export function argmax(x: Tensor, options: { readonly axis?: number } = {}): Tensor {
  if (options.axis === undefined) return A.argmax(L.reshape(x, [x.size]), 0);
  return A.argmax(x, resolveAxes('argmax', x, options.axis)[0]!);
}

export function argmin(x: Tensor, options: { readonly axis?: number } = {}): Tensor {
  return argmax(L.neg(x), options);
}
