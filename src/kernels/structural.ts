/**
 * Structural kernels: they move elements without arithmetic (except
 * `scatterAdd`, which sums). The output dtype is the input's storage type.
 *
 * transpose, broadcastTo and slice are one operation: read x through some
 * strides (permuted, zeroed on broadcast axes, or offset and restricted) and
 * write the output in order. pad is its mirror: read x in order and write into
 * a larger zeroed output through its strides. concatenate, gather and
 * scatterAdd view their operands as [outer, axis, inner] and move whole inner
 * blocks at a time.
 *
 * The `…Kernel` forms resolve strides and walks once for fixed shapes and
 * return a loop that writes all of a given output; the plain forms allocate.
 */

import type { DType, Storage } from '../tensor/dtype.ts';
import { allocate, dtypeOfStorage } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf, stridesOf } from '../tensor/shape.ts';
import { cast, castInto } from './elementwise.ts';
import { broadcastStrides, collapse, forEachRow, lastOf } from './strided.ts';

/** The loop that writes `out` (laid out as `outShape`) reading x at `offset + Σ index·inStrides`. */
function stridedKernel(outShape: Shape, inStrides: readonly number[], offset: number): (x: Storage, out: Storage) => void {
  const walk = collapse(outShape, [stridesOf(outShape), inStrides]);
  const n = lastOf(walk.shape);
  const sx = lastOf(walk.strides[1]);
  if (walk.shape.length === 1 && sx === 1) return (x, out) => out.set(x.subarray(offset, offset + n));
  return (x, out) =>
    forEachRow(walk, (o) => {
      for (let k = 0, j = o[0], i = offset + o[1]; k < n; k++, j++, i += sx) out[j] = x[i];
    });
}

const fresh = (x: Storage, shape: Shape, kernel: (x: Storage, out: Storage) => void): Storage => {
  const out = allocate(dtypeOfStorage(x), sizeOf(shape));
  kernel(x, out);
  return out;
};

/** Permute axes: the output's axis i is the input's axis `perm[i]`. */
export function transpose(x: Storage, shape: Shape, perm: readonly number[]): Storage {
  return fresh(x, perm.map((p) => shape[p]), transposeKernel(shape, perm));
}

export function transposeKernel(shape: Shape, perm: readonly number[]): (x: Storage, out: Storage) => void {
  const strides = stridesOf(shape);
  return stridedKernel(perm.map((p) => shape[p]), perm.map((p) => strides[p]), 0);
}

/** Materialise `x` of `shape` broadcast to `outShape` (NumPy rules, lower rank aligned right). */
export function broadcastTo(x: Storage, shape: Shape, outShape: Shape): Storage {
  return fresh(x, outShape, broadcastKernel(shape, outShape));
}

export function broadcastKernel(shape: Shape, outShape: Shape): (x: Storage, out: Storage) => void {
  return stridedKernel(outShape, broadcastStrides(shape, outShape), 0);
}

/** The box `starts <= index < limits` of `x`, step 1. */
export function slice(x: Storage, shape: Shape, starts: readonly number[], limits: readonly number[]): Storage {
  return fresh(x, shape.map((_, ax) => limits[ax] - starts[ax]), sliceKernel(shape, starts, limits));
}

export function sliceKernel(shape: Shape, starts: readonly number[], limits: readonly number[]): (x: Storage, out: Storage) => void {
  const strides = stridesOf(shape);
  let offset = 0;
  for (let ax = 0; ax < shape.length; ax++) offset += starts[ax] * strides[ax];
  return stridedKernel(
    shape.map((_, ax) => limits[ax] - starts[ax]),
    strides,
    offset,
  );
}

/** Zero padding: `lo[ax]` zeros before and `hi[ax]` after each axis. */
export function pad(x: Storage, shape: Shape, lo: readonly number[], hi: readonly number[]): Storage {
  return fresh(x, shape.map((d, ax) => lo[ax] + d + hi[ax]), padKernel(shape, lo, hi));
}

export function padKernel(shape: Shape, lo: readonly number[], hi: readonly number[]): (x: Storage, out: Storage) => void {
  const outShape = shape.map((d, ax) => lo[ax] + d + hi[ax]);
  const outStrides = stridesOf(outShape);
  let offset = 0;
  for (let ax = 0; ax < shape.length; ax++) offset += lo[ax] * outStrides[ax];
  const walk = collapse(shape, [stridesOf(shape), outStrides]);
  const n = lastOf(walk.shape);
  const sx = lastOf(walk.strides[0]);
  const so = lastOf(walk.strides[1]);
  return (x, out) => {
    out.fill(0);
    forEachRow(walk, (o) => {
      for (let k = 0, i = o[0], j = offset + o[1]; k < n; k++, i += sx, j += so) out[j] = x[i];
    });
  };
}

/** Join `xs` along `axis`; all other extents agree. Elements convert to `outDtype` on copy. */
export function concatenate(
  xs: readonly Storage[],
  shapes: readonly Shape[],
  axis: number,
  outDtype: DType,
): Storage {
  if (outDtype === 'bool' && xs.some((x) => !(x instanceof Uint8Array))) {
    // Numbers become bools by truthiness, as in `cast`, not by byte wrapping.
    const bools = xs.map((x) => (x instanceof Uint8Array ? x : cast(x, 'bool')));
    return concatenate(bools, shapes, axis, 'bool');
  }
  const first = shapes[0];
  let total = 0;
  for (const s of shapes) total += s[axis];
  const out = allocate(outDtype, sizeOf(first.slice(0, axis)) * total * sizeOf(first.slice(axis + 1)));
  concatenateInto(xs, shapes, axis, out);
  return out;
}

/** `concatenate` into `out`, whose storage type matches every part's (bools already converted). */
export function concatenateInto(xs: readonly Storage[], shapes: readonly Shape[], axis: number, out: Storage): void {
  const first = shapes[0];
  const outer = sizeOf(first.slice(0, axis));
  const inner = sizeOf(first.slice(axis + 1));
  // Each outer index contributes one contiguous block per part, in order.
  let o = 0;
  for (let p = 0; p < outer; p++) {
    for (let q = 0; q < xs.length; q++) {
      const block = shapes[q][axis] * inner;
      const start = p * block;
      out.set(xs[q].subarray(start, start + block), o);
      o += block;
    }
  }
}

/**
 * Validate and wrap indices into [0, size): a negative index gets `size`
 * added once. Returns a fresh array so the caller's `idx` is untouched.
 */
function wrapIndices(idx: Int32Array, size: number, who: string): Int32Array {
  const wrapped = new Int32Array(idx.length);
  for (let j = 0; j < idx.length; j++) {
    const i = idx[j] < 0 ? idx[j] + size : idx[j];
    if (i < 0 || i >= size) throw new RangeError(`${who}: index ${idx[j]} out of range for axis of size ${size}`);
    wrapped[j] = i;
  }
  return wrapped;
}

/** `out[..., j..., ...] = x[..., idx[j...], ...]`; the output shape is shape[:axis] ++ idxShape ++ shape[axis+1:]. */
export function gather(x: Storage, shape: Shape, idx: Int32Array, idxShape: Shape, axis: number): Storage {
  const out = allocate(dtypeOfStorage(x), sizeOf(shape.slice(0, axis)) * sizeOf(idxShape) * sizeOf(shape.slice(axis + 1)));
  gatherInto(x, shape, idx, idxShape, axis, out);
  return out;
}

/** `gather` writing all of `out`. */
export function gatherInto(x: Storage, shape: Shape, idx: Int32Array, idxShape: Shape, axis: number, out: Storage): void {
  const size = shape[axis];
  const outer = sizeOf(shape.slice(0, axis));
  const inner = sizeOf(shape.slice(axis + 1));
  const count = sizeOf(idxShape);
  const rows = wrapIndices(idx, size, 'gather');
  for (let p = 0; p < outer; p++) {
    const src = p * size * inner;
    let o = p * count * inner;
    for (let j = 0; j < count; j++, o += inner) {
      const i0 = src + rows[j] * inner;
      for (let t = 0; t < inner; t++) out[o + t] = x[i0 + t];
    }
  }
}

/**
 * The adjoint of `gather`: start from zeros of `outShape` and add each
 * `updates[..., j..., ...]` into `out[..., idx[j...], ...]`; repeated indices
 * accumulate. Sums are formed in float64 and converted once at the end.
 */
export function scatterAdd(
  updates: Storage,
  updatesShape: Shape,
  idx: Int32Array,
  idxShape: Shape,
  axis: number,
  outShape: Shape,
): Storage {
  const out = allocate(dtypeOfStorage(updates), sizeOf(outShape));
  scatterAddInto(updates, updatesShape, idx, idxShape, axis, outShape, out);
  return out;
}

/** `scatterAdd` writing all of `out` (of `outShape`, the updates' dtype). */
export function scatterAddInto(
  updates: Storage,
  updatesShape: Shape,
  idx: Int32Array,
  idxShape: Shape,
  axis: number,
  outShape: Shape,
  out: Storage,
): void {
  const size = outShape[axis];
  const outer = sizeOf(outShape.slice(0, axis));
  const inner = sizeOf(outShape.slice(axis + 1));
  const count = sizeOf(idxShape);
  if (updates.length !== outer * count * inner) {
    throw new RangeError(`scatterAdd: updates [${updatesShape.join(',')}] do not match the index and output shapes`);
  }
  const rows = wrapIndices(idx, size, 'scatterAdd');
  const acc = new Float64Array(sizeOf(outShape));
  for (let p = 0; p < outer; p++) {
    const dst = p * size * inner;
    let u = p * count * inner;
    for (let j = 0; j < count; j++, u += inner) {
      const o0 = dst + rows[j] * inner;
      for (let t = 0; t < inner; t++) acc[o0 + t] += updates[u + t];
    }
  }
  castInto(acc, out);
}
