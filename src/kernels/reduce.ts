/**
 * Reduction kernels: sum and max over a set of axes, and argmax along one.
 *
 * Sum and max walk the input once in memory order while a Float64Array
 * accumulator is addressed through strides that are 0 on the reduced axes (a
 * "reverse broadcast"). When the innermost collapsed axis is reduced, a row
 * folds into one local and is added once; otherwise the row updates a run of
 * accumulators. Accumulating in doubles means float32 and int32 sums are
 * rounded (or truncated) once, at the end, by `cast`.
 *
 * `reduceSumKernel` and `reduceMaxKernel` resolve the walk once for fixed
 * shapes and write into a given output (a float64 output is its own
 * accumulator); `reduceSum` and `reduceMax` allocate.
 */

import type { DType, Storage } from '../tensor/dtype.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf, stridesOf } from '../tensor/shape.ts';
import { castInto } from './elementwise.ts';
import { collapse, forEachRow, lastOf } from './strided.ts';
import type { Walk } from './strided.ts';

/**
 * The walk over `shape` with two operands: the contiguous input, and the
 * accumulator of the kept axes (stride 0 on each axis in `axes`).
 */
function reductionWalk(shape: Shape, axes: readonly number[]): { walk: Walk; outSize: number } {
  const reduced = new Array<boolean>(shape.length).fill(false);
  for (const ax of axes) reduced[ax] = true;
  const kept = shape.filter((_, ax) => !reduced[ax]);
  const keptStrides = stridesOf(kept);
  const accStrides = new Array<number>(shape.length).fill(0);
  for (let ax = 0, k = 0; ax < shape.length; ax++) {
    if (!reduced[ax]) accStrides[ax] = keptStrides[k++];
  }
  return { walk: collapse(shape, [stridesOf(shape), accStrides]), outSize: sizeOf(kept) };
}

/** Run `accumulate` into `out` directly when it is float64, else into a double scratch cast into `out` once. */
function withAccumulator(outSize: number, init: number, accumulate: (x: Storage, acc: Float64Array) => void): (x: Storage, out: Storage) => void {
  let scratch: Float64Array | undefined;
  return (x, out) => {
    const acc = out instanceof Float64Array ? out : (scratch ??= new Float64Array(outSize));
    acc.fill(init);
    accumulate(x, acc);
    if (acc !== out) castInto(acc, out);
  };
}

/** Sum of `x` (of `shape`) over the normalized `axes`; those axes are removed. */
export function reduceSum(x: Storage, shape: Shape, axes: readonly number[], outDtype: DType): Storage {
  const out = allocate(outDtype, sizeOf(shape.filter((_, ax) => !axes.includes(ax))));
  reduceSumKernel(shape, axes)(x, out);
  return out;
}

/** One row of a sum: fold it into one accumulator (`acc[j] += Σ x`) or add it into a run of them (`acc[j + k] += x[i + k]`). */
type RowSum = (x: Storage, acc: Float64Array, i: number, j: number, n: number, sx: number, sacc: number) => void;

const FOLD = 'let s = 0; for (let k = 0; k < n; k++, i += sx) s += x[i]; acc[j] += s;';
const RUN = 'for (let k = 0; k < n; k++, i += sx, j += sacc) acc[j] += x[i];';

/**
 * The row loops, one function per input type. A loop shared by every dtype
 * sees four typed-array types and runs several times slower (its element
 * loads become polymorphic); made with `new Function`, each type's loop has
 * its own feedback and stays monomorphic. The order of the additions is the
 * same, so the sums are the same.
 */
const rowSums = new Map<unknown, readonly [fold: RowSum, run: RowSum]>();

function rowSumsFor(x: Storage): readonly [RowSum, RowSum] {
  let fns = rowSums.get(x.constructor);
  if (fns === undefined) {
    const make = (body: string) => new Function('x', 'acc', 'i', 'j', 'n', 'sx', 'sacc', `// ${x.constructor.name}\n${body}`) as RowSum;
    fns = [make(FOLD), make(RUN)];
    rowSums.set(x.constructor, fns);
  }
  return fns;
}

/** The loop of `reduceSum` for a fixed shape and axes, writing all of `out`. */
export function reduceSumKernel(shape: Shape, axes: readonly number[]): (x: Storage, out: Storage) => void {
  const { walk, outSize } = reductionWalk(shape, axes);
  const n = lastOf(walk.shape);
  const sx = lastOf(walk.strides[0]);
  const sacc = lastOf(walk.strides[1]);
  const which = sacc === 0 ? 0 : 1;
  return withAccumulator(outSize, 0, (x, acc) => {
    const row = rowSumsFor(x)[which];
    forEachRow(walk, (o) => row(x, acc, o[0], o[1], n, sx, sacc));
  });
}

/**
 * Maximum of `x` over the normalized `axes`. An empty reduction gives
 * -Infinity; any NaN in a reduced group makes that result NaN.
 */
export function reduceMax(x: Storage, shape: Shape, axes: readonly number[], outDtype: DType): Storage {
  const out = allocate(outDtype, sizeOf(shape.filter((_, ax) => !axes.includes(ax))));
  reduceMaxKernel(shape, axes)(x, out);
  return out;
}

/** The loop of `reduceMax` for a fixed shape and axes, writing all of `out`. */
export function reduceMaxKernel(shape: Shape, axes: readonly number[]): (x: Storage, out: Storage) => void {
  const { walk, outSize } = reductionWalk(shape, axes);
  const n = lastOf(walk.shape);
  const sx = lastOf(walk.strides[0]);
  const sacc = lastOf(walk.strides[1]);
  // `v > m || v !== v` takes a NaN and then keeps it: nothing compares greater than NaN.
  if (sacc === 0) {
    return withAccumulator(outSize, -Infinity, (x, acc) =>
      forEachRow(walk, (o) => {
        let m = acc[o[1]];
        for (let k = 0, i = o[0]; k < n; k++, i += sx) {
          const v = x[i];
          if (v > m || v !== v) m = v;
        }
        acc[o[1]] = m;
      }));
  }
  return withAccumulator(outSize, -Infinity, (x, acc) =>
    forEachRow(walk, (o) => {
      for (let k = 0, i = o[0], j = o[1]; k < n; k++, i += sx, j += sacc) {
        const v = x[i];
        if (v > acc[j] || v !== v) acc[j] = v;
      }
    }));
}

/**
 * Index of the first maximum of `x` along `axis`; the axis is removed. NaN
 * counts as larger than everything, and the first NaN wins. Throws a
 * RangeError when the axis is empty but the output is not.
 */
export function argmax(x: Storage, shape: Shape, axis: number): Int32Array {
  const out = new Int32Array(sizeOf(shape.filter((_, ax) => ax !== axis)));
  argmaxInto(x, shape, axis, out);
  return out;
}

/** `argmax` writing all of `out` (int32, of the shape without `axis`). */
export function argmaxInto(x: Storage, shape: Shape, axis: number, out: Storage): void {
  // View x as [outer, len, inner]; the output is [outer, inner].
  const len = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  if (out.length === 0) return;
  out.fill(0);
  if (len === 0) throw new RangeError(`argmax over an empty axis ${axis} of [${shape.join(',')}]`);
  // Sweep k outermost so every read of x is sequential; `best` holds the
  // running maximum of the current outer slice.
  const best = new Float64Array(inner);
  for (let p = 0; p < outer; p++) {
    const base = p * len * inner;
    const o = p * inner;
    for (let j = 0; j < inner; j++) best[j] = x[base + j];
    for (let k = 1; k < len; k++) {
      const row = base + k * inner;
      for (let j = 0; j < inner; j++) {
        const v = x[row + j];
        const m = best[j];
        // Strictly greater keeps the first of ties; a NaN replaces a number but not an earlier NaN.
        if (v > m || (v !== v && m === m)) {
          best[j] = v;
          out[o + j] = k;
        }
      }
    }
  }
}
