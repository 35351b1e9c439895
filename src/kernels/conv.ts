/**
 * General N-d convolution, channels last: lhs [batch, ...spatial, inC],
 * rhs [...kernel, inC / groups, outC], out [batch, ...outSpatial, outC].
 *
 * Computed as im2col plus a matrix product (`./im2col.ts`): for each feature
 * group the input windows are gathered into a patch matrix
 * [batch · outPositions, taps · inC/groups], and `matmulInto` multiplies it by
 * the group's kernel read as [taps · inC/groups, outC/groups]. The rows are
 * gathered a chunk at a time, so the patch buffer stays a few megabytes
 * whatever the batch. A 1×1 convolution with unit strides and no padding
 * needs no gathering: the input already is the patch matrix.
 *
 * Arithmetic, hence, is the matrix product's (see `./matmul.ts`): each output
 * element is c = 0, then c ← c + x·w over taps in row-major order and, within
 * a tap, over input channels in order, each product and sum rounded to the
 * dtype (float32 accumulates in float32). Padding and holes contribute exact
 * zeros. With K = taps · inC/groups and u = 2⁻²⁴ (float32) or 2⁻⁵³ (float64):
 *   |ŷ − y| ≤ γ_K · Σ |x|·|w|,  γ_K = K·u / (1 − K·u),
 * against the exact convolution of the stored inputs.
 *
 * The output shape is the caller's (the primitive's shape rule computes it).
 */

import type { DType, Storage } from '../tensor/dtype.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf } from '../tensor/shape.ts';
import type { ConvGeometry, PatchLayout } from './im2col.ts';
import { gatherPatches, patchTable } from './im2col.ts';
import { matmulInto } from './matmul.ts';

export type { ConvGeometry } from './im2col.ts';
export { convOutputSize, dilatedSize } from './im2col.ts';

/** A destination-passing convolution for fixed shapes: writes every element of `out`. */
export type ConvKernel = (lhs: Storage, rhs: Storage, out: Storage) => void;

/** Elements of patch matrix gathered per matrix product (1 MB of float32: it stays in cache). */
const CHUNK = 1 << 18;
/** Fewer rows per product than this and packing the kernel each time would show. */
const MIN_ROWS = 64;

/**
 * Scratch buffers shared by every convolution kernel, grown as needed and
 * kept: eager calls lower afresh each time, and allocating (and first
 * touching) megabytes per call cost more than the gather. Safe because a
 * convolution kernel never runs inside another.
 */
const scratchBuffers: Storage[] = [];

function scratch(slot: number, dtype: DType, size: number): Storage {
  const key = slot * 2 + (dtype === 'float64' ? 1 : 0);
  const have = scratchBuffers[key];
  if (have !== undefined && have.length >= size) return have;
  const fresh = allocate(dtype === 'float64' ? 'float64' : 'float32', Math.max(size, 2 * (have?.length ?? 0)));
  scratchBuffers[key] = fresh;
  return fresh;
}

/** The convolution of `lhsShape` by `rhsShape` into `outShape` (`convOutputSize` per axis), resolved once. */
export function convKernel(
  lhsShape: Shape, rhsShape: Shape, outShape: Shape, g: ConvGeometry, dtype: DType,
): ConvKernel {
  const nd = lhsShape.length - 2;
  const batch = lhsShape[0]!;
  const inC = lhsShape[nd + 1]!;
  const [perGroupIn, outC] = [rhsShape[nd]!, rhsShape[nd + 1]!];
  const groups = g.featureGroupCount;
  const perGroupOut = outC / groups;
  const kernel = rhsShape.slice(0, nd);
  const outSpatial = outShape.slice(1, nd + 1);
  const [positions, taps] = [sizeOf(outSpatial), sizeOf(kernel)];
  const size = sizeOf(outShape);
  const rows = batch * positions;
  const cols = taps * perGroupIn;
  if (size === 0) return () => {};
  if (cols === 0) return (_l, _r, out) => void out.fill(0, 0, size);

  const table = patchTable(lhsShape, kernel, outSpatial, g);
  const exampleSize = sizeOf(lhsShape.slice(1));
  const layout: PatchLayout = { table, positions, taps, exampleSize, perGroupIn };
  if (groups === 1 && taps === 1 && positions * inC === exampleSize && table.every((v, p) => v === p * inC)) {
    // Every output position reads exactly its own input pixel: the input is the patch matrix.
    return (lhs, rhs, out) => void matmulInto(out, lhs, rhs, { batch: 1, m: rows, k: cols, n: outC, dtype });
  }
  const chunk = Math.min(rows, Math.max(MIN_ROWS, Math.floor(CHUNK / (cols * groups))));
  return (lhs, rhs, out) => {
    const patches = scratch(0, dtype, chunk * cols * groups);
    if (groups === 1) {
      for (let r0 = 0; r0 < rows; r0 += chunk) {
        const r1 = Math.min(rows, r0 + chunk);
        gatherPatches(patches, 0, lhs, layout, 0, r0, r1);
        matmulInto(out.subarray(r0 * outC, r1 * outC), patches, rhs, { batch: 1, m: r1 - r0, k: cols, n: outC, dtype });
      }
      return;
    }
    // Group grp's kernel [taps·I/g, O/g] is a column block of rhs: pack the blocks one after another.
    const packed = scratch(1, dtype, groups * cols * perGroupOut);
    const partial = scratch(2, dtype, groups * chunk * perGroupOut);
    for (let grp = 0, d = 0; grp < groups; grp++) {
      for (let r = 0; r < cols; r++) {
        for (let i = r * outC + grp * perGroupOut, end = i + perGroupOut; i < end; i++) packed[d++] = rhs[i]!;
      }
    }
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const r1 = Math.min(rows, r0 + chunk);
      const m = r1 - r0;
      for (let grp = 0; grp < groups; grp++) gatherPatches(patches, grp * m * cols, lhs, layout, grp, r0, r1);
      matmulInto(partial, patches, packed, {
        batch: groups, m, k: cols, n: perGroupOut, dtype, aBatchStride: m * cols, bBatchStride: cols * perGroupOut,
      });
      // partial [g, m, O/g] → out rows [m, g·O/g]
      for (let grp = 0; grp < groups; grp++) {
        for (let i = 0; i < m; i++) {
          const src = (grp * m + i) * perGroupOut;
          const dst = (r0 + i) * outC + grp * perGroupOut;
          for (let o = 0; o < perGroupOut; o++) out[dst + o] = partial[src + o]!;
        }
      }
    }
  };
}

/** The convolution into a fresh buffer. */
export function conv(
  lhs: Storage, lhsShape: Shape, rhs: Storage, rhsShape: Shape, outShape: Shape, g: ConvGeometry, outDtype: DType,
): Storage {
  const out = allocate(outDtype, sizeOf(outShape));
  convKernel(lhsShape, rhsShape, outShape, g, outDtype)(lhs, rhs, out);
  return out;
}
