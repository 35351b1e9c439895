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
 * The loops are generated per input type (see `loopsFor`); sums over the
 * leading axis of a large float matrix run in WebAssembly SIMD
 * (`./wasm/colsum.ts`) with the same additions in the same order.
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
import { columnSums } from './wasm/colsum.ts';
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

/**
 * A reduction over a walk of rank ≤ 2 (what most collapse to: the rows of a
 * matrix, or its columns): `rows` rows of `n` elements, row r starting at
 * x[r·sxr] and accumulating at acc[r·sar], stepping by sx and sacc in a row.
 */
type Loop2 = (x: Storage, acc: Float64Array, rows: number, sxr: number, sar: number, n: number, sx: number, sacc: number) => void;

/** One row of a reduction over a longer walk, its start offsets given. */
type Row = (x: Storage, acc: Float64Array, i: number, j: number, n: number, sx: number, sacc: number) => void;

/**
 * Loop bodies over one row at `i` (input) and `j` (accumulator): a fold into
 * one accumulator when the row's own axis is reduced, else a run updating one
 * accumulator per element. Sums add in order; a max takes a NaN and then
 * keeps it (`v > m || v !== v`: nothing compares greater than NaN).
 */
const BODIES = {
  sum: {
    fold: 'let s = 0; for (let k = 0; k < n; k++, i += sx) s += x[i]; acc[j] += s;',
    run: 'for (let k = 0; k < n; k++, i += sx, j += sacc) acc[j] += x[i];',
  },
  max: {
    fold: 'let m = acc[j]; for (let k = 0; k < n; k++, i += sx) { const v = x[i]; if (v > m || v !== v) m = v; } acc[j] = m;',
    run: 'for (let k = 0; k < n; k++, i += sx, j += sacc) { const v = x[i]; if (v > acc[j] || v !== v) acc[j] = v; }',
  },
} as const;

/**
 * The loops, made per input type with `new Function`. A loop shared by every
 * dtype sees four typed-array types and runs several times slower (its
 * element loads become polymorphic); each type's own loop has its own
 * feedback and stays monomorphic. The order of the operations is the same,
 * so the results are the same.
 */
const loops = new Map<string, { readonly loop2: Loop2; readonly row: Row }>();

function loopsFor(x: Storage, op: keyof typeof BODIES, fold: boolean): { readonly loop2: Loop2; readonly row: Row } {
  const key = `${x.constructor.name}:${op}:${fold}`;
  let fns = loops.get(key);
  if (fns === undefined) {
    const body = BODIES[op][fold ? 'fold' : 'run'];
    fns = {
      loop2: new Function('x', 'acc', 'rows', 'sxr', 'sar', 'n', 'sx', 'sacc',
        `// ${key}\nfor (let r = 0; r < rows; r++) { let i = r * sxr; let j = r * sar; ${body} }`) as Loop2,
      row: new Function('x', 'acc', 'i', 'j', 'n', 'sx', 'sacc', `// ${key}\n${body}`) as Row,
    };
    loops.set(key, fns);
  }
  return fns;
}

/** The least elements for which column sums go to WebAssembly (below, the copy in costs more than it saves). */
const COLUMN_SUMS_MIN = 2048;

/** The kernel of a sum or max over `axes` of `shape`, accumulating from `init`. */
function reductionKernel(shape: Shape, axes: readonly number[], op: keyof typeof BODIES, init: number): (x: Storage, out: Storage) => void {
  const { walk, outSize } = reductionWalk(shape, axes);
  const rank = walk.shape.length;
  const n = lastOf(walk.shape);
  const sx = lastOf(walk.strides[0]);
  const sacc = lastOf(walk.strides[1]);
  const fold = sacc === 0;
  if (walk.shape.includes(0)) return withAccumulator(outSize, init, () => {});
  // The loops of the last input type seen, looked up again only when it changes.
  let seen: unknown;
  let fns = { loop2: ((): void => {}) as Loop2, row: ((): void => {}) as Row };
  const loopsOf = (x: Storage) => {
    if (x.constructor !== seen) [seen, fns] = [x.constructor, loopsFor(x, op, fold)];
    return fns;
  };
  if (rank <= 2) {
    const [rows, sxr, sar] = rank === 2 ? [walk.shape[0], walk.strides[0][0], walk.strides[1][0]] : [1, 0, 0];
    // Sums of the columns of a contiguous matrix: in WebAssembly SIMD when large enough, the same additions in the same order.
    const columns = op === 'sum' && rank === 2 && sx === 1 && sacc === 1 && sxr === n && sar === 0 && rows * n >= COLUMN_SUMS_MIN;
    return withAccumulator(outSize, init, (x, acc) => {
      if (columns && (x instanceof Float32Array || x instanceof Float64Array) && columnSums(x, acc, rows, n)) return;
      loopsOf(x).loop2(x, acc, rows, sxr, sar, n, sx, sacc);
    });
  }
  return withAccumulator(outSize, init, (x, acc) => {
    const { row } = loopsOf(x);
    forEachRow(walk, (o) => row(x, acc, o[0], o[1], n, sx, sacc));
  });
}

/** The loop of `reduceSum` for a fixed shape and axes, writing all of `out`. */
export function reduceSumKernel(shape: Shape, axes: readonly number[]): (x: Storage, out: Storage) => void {
  return reductionKernel(shape, axes, 'sum', 0);
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
  return reductionKernel(shape, axes, 'max', -Infinity);
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
