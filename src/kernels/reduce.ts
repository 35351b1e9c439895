/**
 * Reduction kernels: sum and max over a set of axes, and argmax along one.
 *
 * Sum and max walk the input once in memory order while a Float64Array
 * accumulator is addressed through strides that are 0 on the reduced axes (a
 * "reverse broadcast"). When the innermost collapsed axis is reduced, a row
 * folds into one local and is added once; otherwise the row updates a run of
 * accumulators. Accumulating in doubles means float32 and int32 sums are
 * rounded (or truncated) once, at the end, by `cast`.
 */

import type { DType, Storage } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf, stridesOf } from '../tensor/shape.ts';
import { cast } from './elementwise.ts';
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

/** The accumulator as `outDtype`, reusing it when it already is float64. */
const finish = (acc: Float64Array, outDtype: DType): Storage =>
  outDtype === 'float64' ? acc : cast(acc, outDtype);

/** Sum of `x` (of `shape`) over the normalized `axes`; those axes are removed. */
export function reduceSum(x: Storage, shape: Shape, axes: readonly number[], outDtype: DType): Storage {
  const { walk, outSize } = reductionWalk(shape, axes);
  const acc = new Float64Array(outSize);
  const n = lastOf(walk.shape);
  const sx = lastOf(walk.strides[0]);
  const sacc = lastOf(walk.strides[1]);
  if (sacc === 0) {
    forEachRow(walk, (o) => {
      let s = 0;
      for (let k = 0, i = o[0]; k < n; k++, i += sx) s += x[i];
      acc[o[1]] += s;
    });
  } else {
    forEachRow(walk, (o) => {
      for (let k = 0, i = o[0], j = o[1]; k < n; k++, i += sx, j += sacc) acc[j] += x[i];
    });
  }
  return finish(acc, outDtype);
}

/**
 * Maximum of `x` over the normalized `axes`. An empty reduction gives
 * -Infinity; any NaN in a reduced group makes that result NaN.
 */
export function reduceMax(x: Storage, shape: Shape, axes: readonly number[], outDtype: DType): Storage {
  const { walk, outSize } = reductionWalk(shape, axes);
  const acc = new Float64Array(outSize).fill(-Infinity);
  const n = lastOf(walk.shape);
  const sx = lastOf(walk.strides[0]);
  const sacc = lastOf(walk.strides[1]);
  // `v > m || v !== v` takes a NaN and then keeps it: nothing compares greater than NaN.
  if (sacc === 0) {
    forEachRow(walk, (o) => {
      let m = acc[o[1]];
      for (let k = 0, i = o[0]; k < n; k++, i += sx) {
        const v = x[i];
        if (v > m || v !== v) m = v;
      }
      acc[o[1]] = m;
    });
  } else {
    forEachRow(walk, (o) => {
      for (let k = 0, i = o[0], j = o[1]; k < n; k++, i += sx, j += sacc) {
        const v = x[i];
        if (v > acc[j] || v !== v) acc[j] = v;
      }
    });
  }
  return finish(acc, outDtype);
}

/**
 * Index of the first maximum of `x` along `axis`; the axis is removed. NaN
 * counts as larger than everything, and the first NaN wins. Throws a
 * RangeError when the axis is empty but the output is not.
 */
export function argmax(x: Storage, shape: Shape, axis: number): Int32Array {
  // View x as [outer, len, inner]; the output is [outer, inner].
  const len = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const out = new Int32Array(outer * inner);
  if (out.length === 0) return out;
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
  return out;
}
