/**
 * Kernels behind random numbers: the Threefry-2x32 block cipher and unsigned
 * 32-bit arithmetic on int32 storage (the stable argsort that shuffles is in
 * `./argsort.ts`). Each comes as a destination-passing kernel resolved once
 * for its shapes, and as an allocating wrapper.
 *
 * puregrad has no uint32 dtype, so a uint32 value lives in an Int32Array as
 * its bit pattern: 0xffffffff is stored as −1. Additions and XORs are the same
 * bits either way (`| 0` wraps modulo 2³²); only shifts, division and
 * comparisons need the unsigned reading (`>>> 0`).
 */

import type { Shape } from '../tensor/shape.ts';
import { sizeOf, stridesOf } from '../tensor/shape.ts';
import { broadcastStrides, collapse, forEachRow, lastOf } from './strided.ts';

/** The key-schedule parity constant of Threefish/Threefry (32-bit). */
const PARITY = 0x1bd11bda;

/**
 * Threefry-2x32 with 20 rounds (Salmon et al. 2011, Random123) of the counter
 * (x0, x1) under the key schedule (ks0, ks1, ks2 = k0 ⊕ k1 ⊕ PARITY), written
 * to y0[o], y1[o] as int32 bit patterns. Rounds go in groups of four with the
 * rotations 13 15 26 6, then 17 29 16 24, alternating; after group g the key
 * words ks[(g+1) mod 3] and ks[(g+2) mod 3] + g + 1 are injected. Unrolled:
 * this runs once per random number, so it makes no call and no allocation.
 */
function threefryBlock(
  ks0: number, ks1: number, ks2: number, x0: number, x1: number, y0: Int32Array, y1: Int32Array, o: number,
): void {
  let a = (x0 + ks0) | 0;
  let b = (x1 + ks1) | 0;
  a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
  a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
  a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
  a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
  a = (a + ks1) | 0; b = (b + ks2 + 1) | 0;
  a = (a + b) | 0; b = ((b << 17) | (b >>> 15)) ^ a;
  a = (a + b) | 0; b = ((b << 29) | (b >>> 3)) ^ a;
  a = (a + b) | 0; b = ((b << 16) | (b >>> 16)) ^ a;
  a = (a + b) | 0; b = ((b << 24) | (b >>> 8)) ^ a;
  a = (a + ks2) | 0; b = (b + ks0 + 2) | 0;
  a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
  a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
  a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
  a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
  a = (a + ks0) | 0; b = (b + ks1 + 3) | 0;
  a = (a + b) | 0; b = ((b << 17) | (b >>> 15)) ^ a;
  a = (a + b) | 0; b = ((b << 29) | (b >>> 3)) ^ a;
  a = (a + b) | 0; b = ((b << 16) | (b >>> 16)) ^ a;
  a = (a + b) | 0; b = ((b << 24) | (b >>> 8)) ^ a;
  a = (a + ks1) | 0; b = (b + ks2 + 4) | 0;
  a = (a + b) | 0; b = ((b << 13) | (b >>> 19)) ^ a;
  a = (a + b) | 0; b = ((b << 15) | (b >>> 17)) ^ a;
  a = (a + b) | 0; b = ((b << 26) | (b >>> 6)) ^ a;
  a = (a + b) | 0; b = ((b << 6) | (b >>> 26)) ^ a;
  y0[o] = (a + ks2) | 0;
  y1[o] = (b + ks0 + 5) | 0;
}

/** A destination-passing Threefry-2x32: keys, counters, then the two output words. */
export type ThreefryKernel =
  (k0: Int32Array, k1: Int32Array, x0: Int32Array, x1: Int32Array, y0: Int32Array, y1: Int32Array) => void;

/**
 * Threefry-2x32 elementwise over four int32 operands of `shapes` (keys k0,
 * k1 and counters x0, x1) broadcast to `outShape`, resolved once.
 */
export function threefryKernel(shapes: readonly Shape[], outShape: Shape): ThreefryKernel {
  const walk = collapse(outShape, [stridesOf(outShape), ...shapes.map((s) => broadcastStrides(s, outShape))]);
  const len = lastOf(walk.shape);
  const [s0, s1, s2, s3] = walk.strides.slice(1).map(lastOf) as [number, number, number, number];
  if (sizeOf(outShape) === 0) return () => {};
  return (k0, k1, x0, x1, y0, y1) => {
    forEachRow(walk, (offsets) => {
      let [o, i0, i1, i2, i3] = offsets as [number, number, number, number, number];
      for (const end = o + len; o < end; o++, i0 += s0, i1 += s1, i2 += s2, i3 += s3) {
        const a = k0[i0]!;
        const b = k1[i1]!;
        threefryBlock(a, b, a ^ b ^ PARITY, x0[i2]!, x1[i3]!, y0, y1, o);
      }
    });
  };
}

/** Threefry-2x32 into two fresh arrays (see `threefryKernel`). */
export function threefry2x32(
  operands: readonly Int32Array[], shapes: readonly Shape[], outShape: Shape,
): [Int32Array, Int32Array] {
  const n = sizeOf(outShape);
  const [y0, y1] = [new Int32Array(n), new Int32Array(n)];
  const [k0, k1, x0, x1] = operands as [Int32Array, Int32Array, Int32Array, Int32Array];
  threefryKernel(shapes, outShape)(k0, k1, x0, x1, y0, y1);
  return [y0, y1];
}

export type Uint32Op = 'xor' | 'shiftRightLogical' | 'rem';

/** A destination-passing uint32 op: operands, then the output. */
export type Uint32Kernel = (a: Int32Array, b: Int32Array, out: Int32Array) => void;

/**
 * `op(a, b)` on uint32 bit patterns stored as int32, broadcast from `aShape`
 * and `bShape` to `outShape`, resolved once. As in XLA: a logical shift by 32
 * or more (read unsigned) gives 0, and `rem(a, 0)` gives `a`.
 */
export function uint32Kernel(op: Uint32Op, aShape: Shape, bShape: Shape, outShape: Shape): Uint32Kernel {
  const strides = [stridesOf(outShape), broadcastStrides(aShape, outShape), broadcastStrides(bShape, outShape)];
  const walk = collapse(outShape, strides);
  const n = lastOf(walk.shape);
  const sa = lastOf(walk.strides[1]!);
  const sb = lastOf(walk.strides[2]!);
  const rowOf = ROWS[op];
  return (a, b, out) => forEachRow(walk, ([o, i, j]) => rowOf(a, b, out, o!, i!, j!, n, sa, sb));
}

/** One row: out[o …] from a[i …] and b[j …], n elements, steps sa and sb. */
type Uint32Row = (
  a: Int32Array, b: Int32Array, out: Int32Array, o: number, i: number, j: number, n: number, sa: number, sb: number,
) => void;

const ROWS: Readonly<Record<Uint32Op, Uint32Row>> = {
  xor: (a, b, out, o, i, j, n, sa, sb) => {
    for (const end = o + n; o < end; o++, i += sa, j += sb) out[o] = a[i]! ^ b[j]!;
  },
  shiftRightLogical: (a, b, out, o, i, j, n, sa, sb) => {
    for (const end = o + n; o < end; o++, i += sa, j += sb) {
      const s = b[j]! >>> 0;
      out[o] = s >= 32 ? 0 : a[i]! >>> s;
    }
  },
  rem: (a, b, out, o, i, j, n, sa, sb) => {
    for (const end = o + n; o < end; o++, i += sa, j += sb) {
      const d = b[j]! >>> 0;
      out[o] = d === 0 ? a[i]! : (a[i]! >>> 0) % d;
    }
  },
};

/** `op(a, b)` into a fresh array (see `uint32Kernel`). */
export function uint32Binary(
  op: Uint32Op, a: Int32Array, aShape: Shape, b: Int32Array, bShape: Shape, outShape: Shape,
): Int32Array {
  const out = new Int32Array(sizeOf(outShape));
  uint32Kernel(op, aShape, bShape, outShape)(a, b, out);
  return out;
}
