/**
 * From a key to random bits, and from bits to floats in [0, 1), following
 * JAX's partitionable Threefry (`_threefry_random_bits_partitionable`): the
 * element at row-major index i of a `shape` draws the Threefry block
 * (y0, y1) of counter (0, i) under the key. Its 32 random bits are y0 ⊕ y1;
 * its 64 random bits are y0 followed by y1.
 *
 * A float in [0, 1) keeps as many of those bits as the dtype has mantissa
 * bits (23 for float32, 52 for float64), as JAX does by writing them under
 * the exponent of 1.0 and subtracting 1: the result is m·2⁻²³ (or m·2⁻⁵²),
 * computed here exactly by shifting and scaling instead of bit-casting.
 */

import { optionsArg } from '../ops/args.ts';
import { tensor } from '../ops/create.ts';
import * as O from '../ops/index.ts';
import { threefry2x32, uint32Binary } from '../primitives/random.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkKey, counters, keyWords } from './keys.ts';

/** The float dtypes random samplers produce. */
export type FloatDType = 'float32' | 'float64';

/** A frozen copy of a user's shape, or a `PuregradError` naming `op`. */
export function checkShape(op: string, shape: readonly number[]): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new PuregradError(op, `shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  return Object.freeze([...shape]);
}

/** Throws unless `options` is undefined or an object whose keys are all in `known` (a misspelling is not ignored). */
export function checkOptions(op: string, options: unknown, known: readonly string[]): void {
  optionsArg(op, options as object | undefined, known);
}

export function checkFloatDType(op: string, dtype: string): FloatDType {
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new PuregradError(op, `dtype must be 'float32' or 'float64', got ${dtype}`);
  }
  return dtype;
}

const int32 = (v: number): Tensor => tensor(Int32Array.of(v | 0), { shape: [] });

/** The two Threefry words (y0, y1) for every element of `shape`. */
export function rawBits(op: string, key: Tensor, shape: readonly number[]): readonly [Tensor, Tensor] {
  checkKey(op, key);
  const [k0, k1] = keyWords(key);
  const [hi, lo] = counters(op, shape);
  return threefry2x32(k0, k1, hi, lo);
}

/**
 * Random uint32 bits of `shape` (default []), stored as int32 bit patterns
 * (values ≥ 2³¹ read as negative), the same bits as JAX's
 * `random.bits(key, shape)` (uint32).
 * @example
 * random.bits(random.key(0)) // => -224768089
 * random.bits(random.key(0), [3]).dtype // => "int32"
 */
export function bits(key: Tensor, shape: readonly number[] = []): Tensor {
  const [y0, y1] = rawBits('random.bits', key, checkShape('random.bits', shape));
  return uint32Binary('xor', y0, y1);
}

/** A uint32 bit pattern read as a non-negative float64 (exact). */
function unsignedAsFloat64(x: Tensor): Tensor {
  const f = O.cast(x, 'float64');
  return O.where(O.less(x, int32(0)), O.add(f, 2 ** 32), f);
}

/** Floats m·2⁻ⁿᵐᵃⁿᵗ in [0, 1) from the random bits of every element of `shape`. */
export function unitFloats(op: string, key: Tensor, shape: readonly number[], dtype: FloatDType): Tensor {
  const [y0, y1] = rawBits(op, key, shape);
  if (dtype === 'float32') {
    const mantissa = uint32Binary('shiftRightLogical', uint32Binary('xor', y0, y1), int32(32 - 23));
    return O.mul(O.cast(mantissa, 'float32'), 2 ** -23);
  }
  // 64 bits y0·2³² + y1; keep the top 52: y0·2²⁰ + (y1 >>> 12), scaled by 2⁻⁵².
  const low = O.cast(uint32Binary('shiftRightLogical', y1, int32(64 - 52)), 'float64');
  return O.add(O.mul(unsignedAsFloat64(y0), 2 ** -32), O.mul(low, 2 ** -52));
}

/** A bound (number or tensor) as a tensor of `dtype` that broadcasts to `shape`. */
export function boundOf(op: string, name: string, v: number | Tensor, shape: readonly number[], dtype: FloatDType): Tensor {
  const t = typeof v === 'number' ? tensor(v, { dtype }) : O.cast(v, dtype);
  const fits = t.rank <= shape.length && t.shape.every((d, i) => d === 1 || d === shape[shape.length - t.rank + i]);
  if (!fits) {
    throw new PuregradError(op, `${name} of shape ${showShape(t.shape)} does not broadcast to the sample shape ${showShape(shape)}`);
  }
  return t;
}
