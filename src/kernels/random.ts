/**
 * Kernels behind random numbers: the Threefry-2x32 block cipher, unsigned
 * 32-bit arithmetic on int32 storage, and a stable argsort.
 *
 * puregrad has no uint32 dtype, so a uint32 value lives in an Int32Array as
 * its bit pattern: 0xffffffff is stored as −1. Additions and XORs are the same
 * bits either way (`| 0` wraps modulo 2³²); only shifts, division and
 * comparisons need the unsigned reading (`>>> 0`).
 */

import type { Shape } from '../tensor/shape.ts';
import { sizeOf, stridesOf } from '../tensor/shape.ts';
import { broadcastStrides, collapse, forEachRow, lastOf } from './strided.ts';

/** Rotation constants of Threefry-2x32 (Salmon et al. 2011, Random123), used in groups of four. */
const ROTATIONS = [13, 15, 26, 6, 17, 29, 16, 24] as const;
/** The key-schedule parity constant of Threefish/Threefry (32-bit). */
const PARITY = 0x1bd11bda;

/**
 * Threefry-2x32 with 20 rounds on the counter (x0, x1) under the key (k0, k1):
 * writes the two output words into `out[0]` and `out[1]` (int32 bit patterns).
 */
export function threefryBlock(k0: number, k1: number, x0: number, x1: number, out: Int32Array): void {
  const ks0 = k0 | 0;
  const ks1 = k1 | 0;
  const ks2 = (k0 ^ k1 ^ PARITY) | 0;
  const ks = (i: number): number => (i === 0 ? ks0 : i === 1 ? ks1 : ks2);
  let a = (x0 + ks0) | 0;
  let b = (x1 + ks1) | 0;
  for (let group = 0; group < 5; group++) {
    const base = (group % 2) * 4;
    for (let r = 0; r < 4; r++) {
      const rot = ROTATIONS[base + r]!;
      a = (a + b) | 0;
      b = (b << rot) | (b >>> (32 - rot));
      b ^= a;
    }
    // key injection after every four rounds: the schedule cycles through (ks0, ks1, ks2)
    a = (a + ks((group + 1) % 3)) | 0;
    b = (b + ks((group + 2) % 3) + group + 1) | 0;
  }
  out[0] = a;
  out[1] = b;
}

/**
 * Threefry-2x32 elementwise over four int32 operands broadcast to `outShape`:
 * keys (k0, k1) and counters (x0, x1). Returns the two output words as two arrays.
 */
export function threefry2x32(
  operands: readonly Int32Array[],
  shapes: readonly Shape[],
  outShape: Shape,
): [Int32Array, Int32Array] {
  const n = sizeOf(outShape);
  const y0 = new Int32Array(n);
  const y1 = new Int32Array(n);
  const walk = collapse(outShape, [stridesOf(outShape), ...shapes.map((s) => broadcastStrides(s, outShape))]);
  const len = lastOf(walk.shape);
  const steps = walk.strides.slice(1).map(lastOf);
  const [k0, k1, x0, x1] = operands as [Int32Array, Int32Array, Int32Array, Int32Array];
  const [s0, s1, s2, s3] = steps as [number, number, number, number];
  const block = new Int32Array(2);
  forEachRow(walk, (offsets) => {
    let [o, i0, i1, i2, i3] = offsets as [number, number, number, number, number];
    for (let j = 0; j < len; j++, o++, i0 += s0, i1 += s1, i2 += s2, i3 += s3) {
      threefryBlock(k0[i0]!, k1[i1]!, x0[i2]!, x1[i3]!, block);
      y0[o] = block[0]!;
      y1[o] = block[1]!;
    }
  });
  return [y0, y1];
}

export type Uint32Op = 'xor' | 'shiftRightLogical' | 'rem';

/**
 * `op(a, b)` on uint32 bit patterns stored as int32, broadcast to `outShape`.
 * As in XLA: a logical shift by 32 or more (read unsigned) gives 0, and
 * `rem(a, 0)` gives `a`.
 */
export function uint32Binary(
  op: Uint32Op,
  a: Int32Array,
  aShape: Shape,
  b: Int32Array,
  bShape: Shape,
  outShape: Shape,
): Int32Array {
  const out = new Int32Array(sizeOf(outShape));
  const walk = collapse(outShape, [stridesOf(outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)]);
  const n = lastOf(walk.shape);
  const sa = lastOf(walk.strides[1]!);
  const sb = lastOf(walk.strides[2]!);
  forEachRow(walk, (offsets) => {
    let [o, i, j] = offsets as [number, number, number];
    const end = o + n;
    switch (op) {
      case 'xor':
        for (; o < end; o++, i += sa, j += sb) out[o] = a[i]! ^ b[j]!;
        return;
      case 'shiftRightLogical':
        for (; o < end; o++, i += sa, j += sb) {
          const s = b[j]! >>> 0;
          out[o] = s >= 32 ? 0 : a[i]! >>> s;
        }
        return;
      case 'rem':
        for (; o < end; o++, i += sa, j += sb) {
          const d = b[j]! >>> 0;
          out[o] = d === 0 ? a[i]! : (a[i]! >>> 0) % d;
        }
        return;
    }
  });
  return out;
}

/**
 * Indices that sort each row along the last axis ascending, stably (equal
 * values keep their order; NaN sorts last). Returns int32 indices.
 */
export function argsortLast(x: ArrayLike<number>, shape: Shape): Int32Array {
  const out = new Int32Array(x.length);
  const n = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  if (n === 0) return out;
  const rows = x.length / n;
  const order = new Array<number>(n);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    for (let i = 0; i < n; i++) order[i] = i;
    // Array.prototype.sort is stable (ES2019); NaN compares as the largest value.
    order.sort((i, j) => {
      const u = x[base + i]!;
      const v = x[base + j]!;
      if (u < v) return -1;
      if (u > v) return 1;
      const nu = Number.isNaN(u);
      return nu === Number.isNaN(v) ? 0 : nu ? 1 : -1;
    });
    for (let i = 0; i < n; i++) out[base + i] = order[i]!;
  }
  return out;
}
