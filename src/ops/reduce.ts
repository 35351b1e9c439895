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
import { axisArg, optionsArg, tensorArg } from './args.ts';

export interface ReduceOptions {
  /** Axis or axes to reduce; negative counts from the end; all axes when absent. */
  readonly axis?: number | readonly number[];
  /** Keep reduced axes with length 1 so the result broadcasts against the input. */
  readonly keepdims?: boolean;
}

/** The options, checked: known keys, integer axes, a boolean keepdims. */
function reduceOptions(op: string, options: ReduceOptions | undefined): ReduceOptions {
  const o = optionsArg(op, options, ['axis', 'keepdims']);
  axisArg(op, o.axis);
  if (o.keepdims !== undefined && typeof o.keepdims !== 'boolean') {
    throw new PuregradError(op, `keepdims must be true or false, got ${String(o.keepdims)}`);
  }
  return o;
}

const keep = (x: Tensor, axes: readonly number[], r: Tensor, keepdims: boolean | undefined): Tensor =>
  keepdims ? L.reshape(r, x.shape.map((d, i) => (axes.includes(i) ? 1 : d))) : r;

/**
 * Σ over the axes; bools are counted (summed as int32), as in NumPy. Its
 * gradient broadcasts the cotangent back over the reduced axes.
 * @example
 * sum(tensor([[1, 2], [3, 4]])) // => 10
 * sum(tensor([[1, 2], [3, 4]]), { axis: -1, keepdims: true }) // => [[3], [7]]
 * sum(tensor([true, false, true])) // => 2
 */
export function sum(x: Tensor, options: ReduceOptions = {}): Tensor {
  tensorArg('sum', x);
  options = reduceOptions('sum', options);
  const axes = resolveAxes('sum', x, options.axis);
  const xs = x.dtype === 'bool' ? L.cast(x, 'int32') : x;
  return keep(x, axes, L.reduceSum(xs, axes), options.keepdims);
}

/**
 * The arithmetic mean over the axes; int and bool inputs give float32. The
 * gradient spreads the cotangent evenly: 1/N to each entry.
 * @example
 * mean(tensor([[1, 2], [3, 4]]), { axis: 1 }) // => [1.5, 3.5]
 * mean(tensor([1, 2], { dtype: 'int32' })) // => 1.5
 * grad((x: Tensor) => mean(x))(tensor([1, 2, 3, 4])) // => [0.25, 0.25, 0.25, 0.25]
 */
export function mean(x: Tensor, options: ReduceOptions = {}): Tensor {
  tensorArg('mean', x);
  options = reduceOptions('mean', options);
  const axes = resolveAxes('mean', x, options.axis);
  const xf = isFloat(x.dtype) ? x : L.cast(x, 'float32');
  const count = axes.reduce((n, a) => n * x.shape[a]!, 1);
  return keep(x, axes, A.div(L.reduceSum(xf, axes), filled([], xf.dtype, count)), options.keepdims);
}

/**
 * The maximum over the axes, in x's dtype; tied maxima share the gradient evenly.
 * @example
 * max(tensor([[1, 5], [3, 2]]), { axis: 1 }) // => [5, 3]
 * grad((x: Tensor) => max(x))(tensor([1, 3, 3])) // => [0, 0.5, 0.5]
 */
export function max(x: Tensor, options: ReduceOptions = {}): Tensor {
  tensorArg('max', x);
  options = reduceOptions('max', options);
  const axes = resolveAxes('max', x, options.axis);
  return keep(x, axes, A.reduceMax(x, axes), options.keepdims);
}

/**
 * The minimum, as the maximum of an order-reversing map: −x for floats, and
 * for int32 the bitwise complement −x − 1, which never overflows (−x does at
 * −2³¹). Tied minima share the gradient evenly.
 * @example
 * min(tensor([[1, 5], [3, 2]]), { axis: 0 }) // => [1, 2]
 * min(tensor([-(2 ** 31), 0], { dtype: 'int32' })) // => -2147483648
 * grad((x: Tensor) => min(x))(tensor([2, 2, 5])) // => [0.5, 0.5, 0]
 */
export function min(x: Tensor, options: ReduceOptions = {}): Tensor {
  tensorArg('min', x);
  options = reduceOptions('min', options);
  const axes = resolveAxes('min', x, options.axis);
  if (x.dtype === 'bool') throw new PuregradError('min', 'needs a numeric tensor, got bool; cast it first');
  return keep(x, axes, reverseOrder(A.reduceMax(reverseOrder(x), axes)), options.keepdims);
}

/**
 * log Σ exp(x), computed stably by shifting by the maximum. Its derivative is
 * given by a custom rule, d logsumexp = Σ softmax(x)·dx, rather than derived
 * through the shift and the max: exactly the softmax, finite for inputs as
 * large as ±1e4, and itself differentiable again.
 * @example
 * logsumexp(tensor([0, 0], { dtype: 'float64' })) // => 0.6931471805599453
 * logsumexp(tensor([1e4, 1e4])) // => 10000.693147
 * grad((x: Tensor) => logsumexp(x))(tensor([0, Math.log(3)])) // => [0.25, 0.75]
 */
export function logsumexp(x: Tensor, options: ReduceOptions = {}): Tensor {
  tensorArg('logsumexp', x);
  options = reduceOptions('logsumexp', options);
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

/**
 * Index of the first maximum along `axis` (of the flattened tensor when absent), as int32.
 * @example
 * argmax(tensor([[1, 5], [7, 2]])) // => 2
 * argmax(tensor([[1, 5], [7, 2]]), { axis: 1 }) // => [1, 0]
 * argmax(tensor([3, 3])) // => 0
 */
export function argmax(x: Tensor, options: { readonly axis?: number } = {}): Tensor {
  tensorArg('argmax', x);
  options = optionsArg('argmax', options, ['axis']);
  axisArg('argmax', options.axis);
  if (options.axis === undefined) return A.argmax(L.reshape(x, [x.size]), 0);
  return A.argmax(x, resolveAxes('argmax', x, options.axis)[0]!);
}

/**
 * Index of the first minimum along `axis` (of the flattened tensor when absent), as int32.
 * @example
 * argmin(tensor([[1, 5], [7, 2]]), { axis: 0 }) // => [0, 1]
 * argmin(tensor([4, 1, 1])) // => 1
 */
export function argmin(x: Tensor, options: { readonly axis?: number } = {}): Tensor {
  tensorArg('argmin', x);
  options = optionsArg('argmin', options, ['axis']);
  axisArg('argmin', options.axis);
  if (x.dtype === 'bool') throw new PuregradError('argmin', 'needs a numeric tensor, got bool; cast it first');
  return argmax(reverseOrder(x), options);
}
