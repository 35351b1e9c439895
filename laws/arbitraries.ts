/**
 * fast-check arbitraries for tensors, for puregrad's laws and for users'
 * own property tests. Values are bounded and never NaN; float64 by default,
 * since gradient checks need the precision.
 */

import fc from './fc.ts';
import type { DType, Shape, Tensor } from '../src/index.ts';
import { tensor } from '../src/index.ts';

export interface ShapeConstraints {
  readonly minRank?: number;
  readonly maxRank?: number;
  readonly minDim?: number;
  readonly maxDim?: number;
}

/**
 * Shapes with rank in [minRank, maxRank] (default 0–3) and axes in [minDim, maxDim] (default 1–4).
 * @example
 * fc.sample(shape({ minRank: 2, maxRank: 2, minDim: 3, maxDim: 3 }), { seed: 1, numRuns: 1 })[0] // => [3, 3]
 * fc.sample(shape({ maxRank: 1 }), { seed: 1, numRuns: 20 }).every((s) => s.length <= 1 && s.every((d) => d >= 1 && d <= 4)) // => true
 */
export const shape = (c: ShapeConstraints = {}): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: c.minDim ?? 1, max: c.maxDim ?? 4 }), { minLength: c.minRank ?? 0, maxLength: c.maxRank ?? 3 });

export interface ValueConstraints {
  readonly min?: number;
  readonly max?: number;
  /** Keep |x| at least this far from 0 (for kinks and poles at 0). */
  readonly awayFromZero?: number;
  readonly dtype?: DType;
  /** Never NaN (default true); with false, about one float element in ten is NaN. */
  readonly noNaN?: boolean;
  /** Never ±Infinity (default true); with false, about one float element in ten is ±Infinity. */
  readonly noInfinity?: boolean;
}

/**
 * A tensor of exactly `s`, entries in [min, max] (default [−2, 2]), float64 unless `dtype` is given;
 * never NaN or infinite unless `noNaN` / `noInfinity` are false.
 * @example
 * const [t] = fc.sample(tensorOf([2, 3], { min: 0, max: 1 }), { seed: 1, numRuns: 1 })
 * [t.shape, t.dtype] // => [[2, 3], "float64"]
 * Array.from(t.toTypedArray()).every((v) => v >= 0 && v <= 1) // => true
 * const wild = fc.sample(tensorOf([8], { noNaN: false, noInfinity: false }), { seed: 2, numRuns: 20 })
 * wild.some((w) => Array.from(w.toTypedArray()).some((v) => !Number.isFinite(v))) // => true
 */
export function tensorOf(s: Shape, c: ValueConstraints = {}): fc.Arbitrary<Tensor> {
  const size = s.reduce((a, b) => a * b, 1);
  const dtype = c.dtype ?? 'float64';
  const lo = c.min ?? -2;
  const hi = c.max ?? 2;
  if (dtype === 'int32' || dtype === 'bool') {
    const ints = dtype === 'bool' ? fc.integer({ min: 0, max: 1 }) : fc.integer({ min: Math.ceil(lo), max: Math.floor(hi) });
    return fc.array(ints, { minLength: size, maxLength: size }).map((v) => tensor(Int32Array.from(v), { shape: s, dtype }));
  }
  const away = c.awayFromZero ?? 0;
  const finite = fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }).map((v) =>
    away > 0 && Math.abs(v) < away ? (v < 0 ? -away : away) : v,
  );
  const special = [...(c.noNaN ?? true ? [] : [NaN]), ...(c.noInfinity ?? true ? [] : [Infinity, -Infinity])];
  const value = special.length === 0
    ? finite
    : fc.oneof({ arbitrary: finite, weight: 9 }, { arbitrary: fc.constantFrom(...special), weight: 1 });
  return fc.array(value, { minLength: size, maxLength: size }).map((v) => tensor(Float64Array.from(v), { shape: s, dtype }));
}

/**
 * A tensor of a random shape drawn by `shape(sc)`, with values as in `tensorOf(…, vc)`.
 * @example
 * fc.sample(anyTensor({ maxRank: 1 }, { dtype: 'int32' }), { seed: 1, numRuns: 10 }).every((t) => t.rank <= 1 && t.dtype === 'int32') // => true
 */
export const anyTensor = (sc: ShapeConstraints = {}, vc: ValueConstraints = {}): fc.Arbitrary<Tensor> =>
  shape(sc).chain((s) => tensorOf(s, vc));

/**
 * A seed for the random directions used by the laws: a non-negative 31-bit integer.
 * @example
 * fc.sample(seed(), { seed: 1, numRuns: 5 }).every((s) => Number.isInteger(s) && s >= 0 && s < 2 ** 31) // => true
 */
export const seed = (): fc.Arbitrary<number> => fc.integer({ min: 0, max: 0x7fffffff });

/**
 * Two tensors whose shapes broadcast together (NumPy's rules): a common shape
 * drawn by `shape(sc)`, each side dropping some leading axes and setting some
 * others to 1; values as in `tensorOf(…, vc)`.
 * @example
 * const pairs = fc.sample(broadcastablePair({ minRank: 1 }), { seed: 4, numRuns: 20 })
 * pairs.every(([a, b]) => add(a, b).rank === Math.max(a.rank, b.rank)) // => true
 */
export function broadcastablePair(sc: ShapeConstraints = {}, vc: ValueConstraints = {}): fc.Arbitrary<[Tensor, Tensor]> {
  const side = (full: readonly number[]) =>
    fc.tuple(fc.integer({ min: 0, max: full.length }), fc.array(fc.boolean(), { minLength: full.length, maxLength: full.length }))
      .map(([drop, ones]) => full.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
  return shape(sc)
    .chain((full) => fc.tuple(side(full), side(full)))
    .chain(([a, b]) => fc.tuple(tensorOf(a, vc), tensorOf(b, vc)));
}
