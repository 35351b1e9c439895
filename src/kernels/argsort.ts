/**
 * A stable argsort along the last axis: the indices that put each row in
 * ascending order, equal values keeping their order, NaN last.
 *
 * Each value is mapped to an unsigned key whose order is the order wanted —
 * int32 with its sign bit flipped; a float's bits with all bits flipped when
 * negative and the sign bit set when not, −0 and +0 made one key, every NaN
 * the largest key — and the rows are sorted by LSD radix sort on 8-bit
 * digits (4 passes for 32-bit keys, 8 for float64's two words; a pass whose
 * digit is the same for the whole row is skipped). Radix sort is stable, and
 * two values get the same key exactly when neither is less than the other,
 * so the result is the stable sort. Short rows use an insertion sort on the
 * same keys.
 */

import type { Storage } from '../tensor/dtype.ts';
import type { Shape } from '../tensor/shape.ts';

/** Rows at most this long are insertion-sorted: the 256-bucket histograms would cost more. */
const SHORT = 32;
const SIGN = 0x80000000;
/** Where float64's high word sits in a pair of 32-bit words of its storage. */
const HIGH = new Uint32Array(Float64Array.of(1).buffer)[1] === 0x3ff00000 ? 1 : 0;

/** Write into `out` the indices that sort each row of `x` (row-major `shape`) along the last axis. */
export function argsortInto(x: Storage, shape: Shape, out: Int32Array): void {
  const n = shape.length === 0 ? 1 : shape[shape.length - 1]!;
  if (n === 0 || x.length === 0) return;
  const wide = x instanceof Float64Array;
  const hi = new Uint32Array(n);
  const lo = wide ? new Uint32Array(n) : null;
  const order = new Int32Array(n);
  const spare = new Int32Array(n);
  const counts = new Int32Array(256);
  const f32 = x instanceof Float32Array ? new Float32Array(n) : null;
  const f64 = wide ? new Float64Array(n) : null;
  for (let base = 0; base < x.length; base += n) {
    const row = x.subarray(base, base + n);
    if (f32 !== null) floatKeys32(row as Float32Array, f32, hi);
    else if (f64 !== null) floatKeys64(row as Float64Array, f64, hi, lo!);
    else if (x instanceof Int32Array) for (let i = 0; i < n; i++) hi[i] = row[i]! ^ SIGN;
    else for (let i = 0; i < n; i++) hi[i] = row[i]!; // bool: 0 or 1
    for (let i = 0; i < n; i++) order[i] = i;
    let sorted = order;
    if (n <= SHORT) insertionSort(order, hi, lo);
    else {
      let scratch = spare;
      for (const words of lo === null ? [hi] : [lo, hi]) {
        for (let shift = 0; shift < 32; shift += 8) {
          if (radixPass(sorted, scratch, words, shift, counts)) [sorted, scratch] = [scratch, sorted];
        }
      }
    }
    out.set(sorted, base);
  }
}

/** Indices that sort each row along the last axis, into a fresh array (see `argsortInto`). */
export function argsortLast(x: Storage, shape: Shape): Int32Array {
  const out = new Int32Array(x.length);
  argsortInto(x, shape, out);
  return out;
}

function floatKeys32(row: Float32Array, scratch: Float32Array, keys: Uint32Array): void {
  scratch.set(row);
  const bits = new Uint32Array(scratch.buffer, scratch.byteOffset, row.length);
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    const u = bits[i]!;
    keys[i] = v !== v ? 0xffffffff : v === 0 ? SIGN : u >= SIGN ? ~u : u | SIGN;
  }
}

function floatKeys64(row: Float64Array, scratch: Float64Array, hi: Uint32Array, lo: Uint32Array): void {
  scratch.set(row);
  const bits = new Uint32Array(scratch.buffer, scratch.byteOffset, 2 * row.length);
  for (let i = 0; i < row.length; i++) {
    const v = row[i]!;
    const h = bits[2 * i + HIGH]!;
    const l = bits[2 * i + 1 - HIGH]!;
    const nan = v !== v;
    const negative = h >= SIGN;
    hi[i] = nan ? 0xffffffff : v === 0 ? SIGN : negative ? ~h : h | SIGN;
    lo[i] = nan ? 0xffffffff : v === 0 ? 0 : negative ? ~l : l;
  }
}

/**
 * One stable counting pass on digit `(words[i] >>> shift) & 255` from `from`
 * into `to`. Returns false, writing nothing, when every key has the same digit.
 */
function radixPass(from: Int32Array, to: Int32Array, words: Uint32Array, shift: number, counts: Int32Array): boolean {
  const n = from.length;
  counts.fill(0);
  for (let i = 0; i < n; i++) counts[(words[i]! >>> shift) & 255]++;
  if (counts[(words[0]! >>> shift) & 255] === n) return false;
  for (let d = 0, sum = 0; d < 256; d++) {
    const c = counts[d]!;
    counts[d] = sum;
    sum += c;
  }
  for (let i = 0; i < n; i++) {
    const v = from[i]!;
    to[counts[(words[v]! >>> shift) & 255]++] = v;
  }
  return true;
}

/** Stable insertion sort of `order` by the keys (hi, lo), compared unsigned. */
function insertionSort(order: Int32Array, hi: Uint32Array, lo: Uint32Array | null): void {
  const greater = (a: number, b: number): boolean =>
    hi[a]! > hi[b]! || (lo !== null && hi[a] === hi[b] && lo[a]! > lo[b]!);
  for (let i = 1; i < order.length; i++) {
    const v = order[i]!;
    let j = i - 1;
    for (; j >= 0 && greater(order[j]!, v); j--) order[j + 1] = order[j]!;
    order[j + 1] = v;
  }
}
