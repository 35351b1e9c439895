/**
 * Structural public ops: reshaping, transposing, broadcasting, joining,
 * slicing and indexing. All are linear, so their gradients move cotangents
 * back to where the elements came from.
 */

import * as A from '../primitives/arith.ts';
import * as I from '../primitives/indexing.ts';
import * as L from '../primitives/linear.ts';
import type { DType } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import type { Shape } from '../tensor/shape.ts';
import { normalizeAxis, showShape, sizeOf } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { arange, tensor } from '../tensor/create.ts';
import { axisArg, dtypeArg, integerArg, integerListArg, optionsArg, tensorArg, tensorListArg } from './args.ts';
import { unify } from './operand.ts';

/**
 * New shape with the same elements in row-major order; one entry may be −1 and is inferred.
 * @example
 * reshape(arange(6), [2, -1]) // => [[0, 1, 2], [3, 4, 5]]
 */
export function reshape(x: Tensor, shape: Shape): Tensor {
  tensorArg('reshape', x);
  shape = integerListArg('reshape', shape, 'shape');
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new PuregradError('reshape', `only one axis may be -1, got ${showShape(shape)}`);
  let target = shape;
  if (unknown === 1) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) {
      throw new PuregradError('reshape', `cannot reshape ${showShape(x.shape)} (${x.size} elements) to ${showShape(shape)}`);
    }
    target = shape.map((d) => (d === -1 ? x.size / known : d));
  }
  return L.reshape(x, target);
}

/**
 * Permute axes: axis i of the result is axis `axes[i]` of x (all axes reversed when `axes` is absent).
 * @example
 * transpose(tensor([[1, 2, 3], [4, 5, 6]])) // => [[1, 4], [2, 5], [3, 6]]
 * transpose(zeros([2, 3, 4]), [1, 0, 2]).shape // => [3, 2, 4]
 */
export function transpose(x: Tensor, axes?: readonly number[]): Tensor {
  tensorArg('transpose', x);
  if (axes !== undefined) axes = integerListArg('transpose', axes, 'axes');
  const perm = axes === undefined ? x.shape.map((_, i) => x.rank - 1 - i) : axes.map((a) => normalizeAxis(a, x.rank) ?? a);
  return L.transpose(x, perm);
}

/**
 * Repeat x to `shape` by NumPy's rules (new leading axes, or axes of length 1
 * stretched); the gradient sums over the repeats.
 * @example
 * broadcastTo(tensor([1, 2]), [2, 2]) // => [[1, 2], [1, 2]]
 * grad((x: Tensor) => sum(broadcastTo(x, [3, 2])))(tensor([1, 2])) // => [3, 3]
 */
export const broadcastTo = (x: Tensor, shape: Shape): Tensor =>
  L.broadcast(tensorArg('broadcastTo', x), integerListArg('broadcastTo', shape, 'shape'));

/**
 * Insert an axis of length 1 at `axis` (which may be −1 for the end).
 * @example
 * expandDims(tensor([1, 2]), 0).shape // => [1, 2]
 * expandDims(tensor([1, 2]), -1) // => [[1], [2]]
 */
export function expandDims(x: Tensor, axis: number): Tensor {
  tensorArg('expandDims', x);
  integerArg('expandDims', axis, 'axis');
  const a = normalizeAxis(axis, x.rank + 1);
  if (a === undefined) throw new PuregradError('expandDims', `axis ${axis} is out of range for shape ${showShape(x.shape)}`);
  return L.reshape(x, [...x.shape.slice(0, a), 1, ...x.shape.slice(a)]);
}

/**
 * Remove axes of length 1 (the given ones, or all).
 * @example
 * squeeze(zeros([1, 3, 1])).shape // => [3]
 * squeeze(zeros([1, 3, 1]), 0).shape // => [3, 1]
 */
export function squeeze(x: Tensor, axis?: number | readonly number[]): Tensor {
  tensorArg('squeeze', x);
  axisArg('squeeze', axis);
  const list = axis === undefined ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : typeof axis === 'number' ? [axis] : axis;
  const axes = list.map((a) => {
    const n = normalizeAxis(a, x.rank);
    if (n === undefined) throw new PuregradError('squeeze', `axis ${a} is out of range for shape ${showShape(x.shape)}`);
    if (x.shape[n] !== 1) throw new PuregradError('squeeze', `axis ${a} of shape ${showShape(x.shape)} has length ${x.shape[n]}, not 1`);
    return n;
  });
  if (new Set(axes).size !== axes.length) throw new PuregradError('squeeze', `axis (${list.join(',')}) names an axis twice`);
  return L.reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

/**
 * Join tensors along an existing axis (dtypes are promoted).
 * @example
 * concatenate([tensor([1, 2]), tensor([3])]) // => [1, 2, 3]
 * concatenate([tensor([[1]], { dtype: 'int32' }), tensor([[0.5]])], 1) // => [[1, 0.5]]
 */
export function concatenate(xs: readonly Tensor[], axis = 0): Tensor {
  tensorListArg('concatenate', xs);
  integerArg('concatenate', axis, 'axis');
  if (xs.length === 0) throw new PuregradError('concatenate', 'needs at least one tensor');
  const a = normalizeAxis(axis, xs[0]!.rank);
  if (a === undefined) throw new PuregradError('concatenate', `axis ${axis} is out of range for shape ${showShape(xs[0]!.shape)}`);
  return I.concatenate(unify(xs), a);
}

/**
 * Join tensors of one shape along a new axis.
 * @example
 * stack([tensor([1, 2]), tensor([3, 4])]) // => [[1, 2], [3, 4]]
 * stack([tensor([1, 2]), tensor([3, 4])], 1) // => [[1, 3], [2, 4]]
 */
export function stack(xs: readonly Tensor[], axis = 0): Tensor {
  tensorListArg('stack', xs);
  integerArg('stack', axis, 'axis');
  if (xs.length === 0) throw new PuregradError('stack', 'needs at least one tensor');
  const a = normalizeAxis(axis, xs[0]!.rank + 1);
  if (a === undefined) throw new PuregradError('stack', `axis ${axis} is out of range for shape ${showShape(xs[0]!.shape)}`);
  const first = xs[0]!.shape;
  const odd = xs.find((x) => x.rank !== first.length || x.shape.some((d, i) => d !== first[i]));
  if (odd !== undefined) throw new PuregradError('stack', `tensors must all have one shape, got ${showShape(first)} and ${showShape(odd.shape)}`);
  return I.concatenate(unify(xs).map((x) => expandDims(x, a)), a);
}

/**
 * The block `x[begin[i] : end[i]]` on each axis given, as Python slices it:
 * missing axes are kept whole, negative bounds count from the end, bounds
 * past either end are clamped, and an end before its begin gives an empty axis.
 * @example
 * slice(arange(5), [1], [3]) // => [1, 2]
 * slice(arange(5), [-2]) // => [3, 4]
 * slice(tensor([[1, 2, 3], [4, 5, 6]]), [0, 1], [1, 10]) // => [[2, 3]]
 */
export function slice(x: Tensor, begin: readonly number[], end?: readonly number[]): Tensor {
  tensorArg('slice', x);
  begin = integerListArg('slice', begin, 'begin');
  if (end !== undefined) end = integerListArg('slice', end, 'end');
  if (begin.length > x.rank || (end !== undefined && end.length > x.rank)) {
    throw new PuregradError('slice', `bounds for ${Math.max(begin.length, end?.length ?? 0)} axes given, but shape ${showShape(x.shape)} has ${x.rank}`);
  }
  const bad = [...begin, ...(end ?? [])].find((v) => !Number.isInteger(v));
  if (bad !== undefined) throw new PuregradError('slice', `bounds must be integers, got ${bad}`);
  const clamp = (v: number, d: number): number => Math.min(d, Math.max(0, v < 0 ? v + d : v));
  const starts = x.shape.map((d, i) => clamp(begin[i] ?? 0, d));
  const limits = x.shape.map((d, i) => Math.max(starts[i]!, clamp(end?.[i] ?? d, d)));
  return I.slice(x, starts, limits);
}

/**
 * Entries of `x` at integer `indices` along `axis` (of the flattened tensor
 * when `axis` is absent, as NumPy's `take`); negative indices count from the
 * end. Gradients scatter-add back, so an index taken twice gets both
 * contributions. An out-of-range index is an error when its value is known;
 * under `jit` or `vmap`, where it is not, it is clamped to the axis (as JAX
 * does for indexing), so no example ever reads another's data.
 * @example
 * take(tensor([10, 20, 30]), [2, 0, -1]) // => [30, 10, 30]
 * take(tensor([[1, 2], [3, 4]]), [1], { axis: 1 }) // => [[2], [4]]
 * grad((x: Tensor) => sum(take(x, [0, 0, 2])))(tensor([1, 2, 3])) // => [2, 0, 1]
 */
export function take(x: Tensor, indices: Tensor | readonly number[], options: { readonly axis?: number } = {}): Tensor {
  tensorArg('take', x);
  options = optionsArg('take', options, ['axis']);
  if (options.axis !== undefined) integerArg('take', options.axis, 'axis');
  if (!(indices instanceof Tensor)) integerListArg('take', indices, 'indices');
  const idx = indices instanceof Tensor ? indices : tensor(indices, { dtype: 'int32' });
  if (idx.dtype !== 'int32') throw new PuregradError('take', `indices must be int32, got ${idx.dtype}`);
  const src = options.axis === undefined ? L.reshape(x, [x.size]) : x;
  const axis = options.axis === undefined ? 0 : normalizeAxis(options.axis, x.rank);
  if (axis === undefined) throw new PuregradError('take', `axis ${options.axis} is out of range for shape ${showShape(x.shape)}`);
  const n = src.shape[axis]!;
  const known = idx.knownValue();
  if (known !== undefined) {
    const bad = Array.from(known.toTypedArray()).find((i) => i < -n || i >= n);
    if (bad !== undefined) throw new PuregradError('take', `index ${bad} is out of range for axis ${axis} of length ${n}`);
  }
  if (known !== undefined && Array.from(known.toTypedArray()).every((i) => i >= 0)) return I.gather(src, idx, axis);
  const int = (v: number) => tensor(v, { dtype: 'int32' });
  const wrapped = L.select(A.greaterEqual(idx, int(0)), idx, L.add(idx, int(n)));
  const clamped = L.select(A.greater(wrapped, int(n - 1)), int(n - 1), L.select(A.greater(int(0), wrapped), int(0), wrapped));
  return I.gather(src, clamped, axis);
}

/**
 * One-hot encoding: a new last axis of length `depth` with 1 at each index (float32 unless `dtype` is given).
 * @example
 * oneHot([0, 2], 3) // => [[1, 0, 0], [0, 0, 1]]
 * oneHot([1], 2, { dtype: 'int32' }).dtype // => "int32"
 */
export function oneHot(indices: Tensor | readonly number[], depth: number, options: { readonly dtype?: DType } = {}): Tensor {
  if (!(indices instanceof Tensor)) integerListArg('oneHot', indices, 'indices');
  integerArg('oneHot', depth, 'depth', 1);
  options = optionsArg('oneHot', options, ['dtype']);
  if (options.dtype !== undefined) dtypeArg('oneHot', options.dtype);
  if (indices instanceof Tensor && indices.dtype !== 'int32') {
    throw new PuregradError('oneHot', `indices must be int32, got ${indices.dtype}; cast(indices, 'int32') first`);
  }
  const idx = indices instanceof Tensor ? indices : tensor(indices, { dtype: 'int32' });
  const classes = arange(0, depth, 1, idx.dtype);
  return L.cast(A.equal(expandDims(idx, -1), classes), options.dtype ?? 'float32');
}

/**
 * Convert to another dtype (float → int truncates toward zero; nonzero → true).
 * Between floats the gradient passes through, cast back to the input's dtype.
 * @example
 * cast(tensor([1.7, -1.7]), 'int32') // => [1, -1]
 * cast(tensor([0, 2]), 'bool') // => [false, true]
 * grad((x: Tensor) => sum(cast(x, 'float64')))(tensor([1, 2])).dtype // => "float32"
 */
export const cast = (x: Tensor, dtype: DType): Tensor => L.cast(tensorArg('cast', x), dtypeArg('cast', dtype));
