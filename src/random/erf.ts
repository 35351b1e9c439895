/**
 * Scalar helpers on the host (plain numbers, not tensors) for the samplers'
 * constant parameters: the error function in double precision, and the
 * neighbouring representable value of a float32 or float64 number.
 */

import type { FloatDType } from './bits.ts';

/** erf(x) in double precision, to a few ulp: a series of positive terms for |x| ≤ 2, a continued fraction for erfc beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax <= 2) {
    // erf x = 2/√π · e^(−x²) · Σ (2x²)ⁿ x / (1·3·5···(2n + 1)): no cancellation
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 200 && term > 1e-17 * sum; n++) {
      term *= (2 * ax * ax) / (2 * n + 1);
      sum += term;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * Math.exp(-ax * ax) * sum;
  }
  if (ax > 6) return Math.sign(x); // erfc(6) < 3e-17: below half an ulp of 1
  // erfc x = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))), by Lentz's method
  const tiny = 1e-300;
  let f = ax;
  let c = ax;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = ax + a * d;
    d = 1 / (Math.abs(d) < tiny ? tiny : d);
    c = ax + a / c;
    if (Math.abs(c) < tiny) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-17) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** `x` rounded to `dtype`. */
export const roundTo = (x: number, dtype: FloatDType): number => (dtype === 'float32' ? Math.fround(x) : x);

/** The representable number of `dtype` next to `x` in the direction of `toward` (C's nextafter). */
export function nextAfter(x: number, toward: number, dtype: FloatDType): number {
  if (Number.isNaN(x) || Number.isNaN(toward)) return NaN;
  if (x === toward) return toward;
  if (x === 0) {
    const smallest = dtype === 'float32' ? 2 ** -149 : Number.MIN_VALUE;
    return toward > 0 ? smallest : -smallest;
  }
  const step = (toward > x) === (x > 0) ? 1 : -1; // +1 moves away from zero, −1 toward it
  if (dtype === 'float32') {
    const f = Float32Array.of(x);
    const b = new Int32Array(f.buffer);
    b[0] = b[0]! + step;
    return f[0]!;
  }
  const f = Float64Array.of(x);
  const b = new BigInt64Array(f.buffer);
  b[0] = b[0]! + BigInt(step);
  return f[0]!;
}
