/**
 * General N-d convolution, channels last: lhs [batch, ...spatial, inC],
 * rhs [...kernel, inC / groups, outC], out [batch, ...outSpatial, outC].
 *
 * Along each spatial axis the input is first dilated (lhsDilation − 1 zeros
 * between neighbours), then padded by [lo, hi] (negative padding crops), and
 * the kernel, itself dilated by rhsDilation, slides over it with the stride.
 * Nothing is materialised: per axis a small table maps (output index, kernel
 * index) to the input element it reads, or −1 where the window sits on a hole
 * or on padding. Each output position then walks the kernel window with an
 * odometer and accumulates `x[i] · w[k, i, :]` into a Float64Array row of
 * the output channels, rounded once when stored (as in `matmul`).
 *
 * The output shape is the caller's (the primitive's shape rule computes it).
 */

import type { DType, Storage } from '../tensor/dtype.ts';
import { allocate } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';
import { sizeOf } from '../tensor/shape.ts';

/** Where the window goes, per spatial axis; `featureGroupCount` splits the channels into independent groups. */
export interface ConvGeometry {
  readonly strides: readonly number[];
  readonly padding: readonly (readonly [number, number])[];
  readonly lhsDilation: readonly number[];
  readonly rhsDilation: readonly number[];
  readonly featureGroupCount: number;
}

/** Length of an axis of `n` elements with `d − 1` holes between neighbours. */
export const dilatedSize = (n: number, d: number): number => (n === 0 ? 0 : (n - 1) * d + 1);

/** Output length of one spatial axis (0 when the window does not fit). */
export function convOutputSize(n: number, k: number, stride: number, [lo, hi]: readonly [number, number], lhsDil: number, rhsDil: number): number {
  const padded = dilatedSize(n, lhsDil) + lo + hi;
  return Math.max(0, Math.floor((padded - dilatedSize(k, rhsDil)) / stride) + 1);
}

/**
 * For one axis: entry o·k + j is the element offset (index × `step`) of the
 * input read by output o through kernel tap j, or −1 for a hole or padding.
 */
function tapTable(outN: number, k: number, inN: number, stride: number, lo: number, lhsDil: number, rhsDil: number, step: number): Int32Array {
  const table = new Int32Array(outN * k);
  const dilated = dilatedSize(inN, lhsDil);
  for (let o = 0; o < outN; o++) {
    for (let j = 0; j < k; j++) {
      const p = o * stride + j * rhsDil - lo; // position in the dilated, unpadded input
      table[o * k + j] = p >= 0 && p < dilated && p % lhsDil === 0 ? (p / lhsDil) * step : -1;
    }
  }
  return table;
}

/** The convolution; `outShape` must be what `convOutputSize` gives on each axis. */
export function conv(lhs: Storage, lhsShape: Shape, rhs: Storage, rhsShape: Shape, outShape: Shape, g: ConvGeometry, outDtype: DType): Storage {
  const nd = lhsShape.length - 2;
  const batch = lhsShape[0];
  const inC = lhsShape[nd + 1];
  const perGroupIn = rhsShape[nd];
  const outC = rhsShape[nd + 1];
  const groups = g.featureGroupCount;
  const perGroupOut = outC / groups;
  const kSizes = rhsShape.slice(0, nd);
  const oSizes = outShape.slice(1, nd + 1);
  const out = allocate(outDtype, sizeOf(outShape));
  const positions = sizeOf(oSizes);
  const taps = sizeOf(kSizes);
  if (out.length === 0 || taps === 0 || inC === 0) return out;

  // Element step of each spatial axis of lhs, and each axis's tap table.
  const steps = new Array<number>(nd);
  let step = inC;
  for (let d = nd - 1; d >= 0; d--) {
    steps[d] = step;
    step *= lhsShape[d + 1];
  }
  const batchStep = step;
  const tables = kSizes.map((k, d) =>
    tapTable(oSizes[d], k, lhsShape[d + 1], g.strides[d], g.padding[d][0], g.lhsDilation[d], g.rhsDilation[d], steps[d]));

  const acc = new Float64Array(outC);
  const oIdx = new Int32Array(nd);
  const kIdx = new Int32Array(nd);
  const tapStep = perGroupIn * outC;
  let outOffset = 0;
  for (let n = 0; n < batch; n++) {
    const base = n * batchStep;
    oIdx.fill(0);
    for (let p = 0; p < positions; p++) {
      acc.fill(0);
      kIdx.fill(0);
      for (let t = 0; t < taps; t++) {
        let off = base;
        for (let d = 0; d < nd; d++) {
          const v = tables[d][oIdx[d] * kSizes[d] + kIdx[d]];
          if (v < 0) {
            off = -1;
            break;
          }
          off += v;
        }
        if (off >= 0) {
          const wTap = t * tapStep;
          for (let grp = 0; grp < groups; grp++) {
            const xBase = off + grp * perGroupIn;
            const oBase = grp * perGroupOut;
            for (let c = 0; c < perGroupIn; c++) {
              const xv = lhs[xBase + c];
              const wRow = wTap + c * outC + oBase;
              for (let o = 0; o < perGroupOut; o++) acc[oBase + o] += xv * rhs[wRow + o];
            }
          }
        }
        // next kernel tap (odometer, last axis fastest)
        for (let d = nd - 1; d >= 0; d--) {
          if (++kIdx[d] < kSizes[d]) break;
          kIdx[d] = 0;
        }
      }
      out.set(acc, outOffset);
      outOffset += outC;
      for (let d = nd - 1; d >= 0; d--) {
        if (++oIdx[d] < oSizes[d]) break;
        oIdx[d] = 0;
      }
    }
  }
  return out;
}
