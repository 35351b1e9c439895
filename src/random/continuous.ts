/**
 * Samplers of continuous distributions (and `bernoulli`, a threshold on one),
 * each the same arithmetic on the same bits as its JAX namesake:
 *
 * - `uniform`: u = m·2⁻ⁿ in [0, 1), then max(lo, u·(hi − lo) + lo);
 * - `normal`: √2 · erf⁻¹(v) with v uniform in (−1, 1) — from nextafter(−1, 0);
 * - `truncatedNormal`: √2 · erf⁻¹(v) with v uniform between erf(lower/√2)
 *   and erf(upper/√2), clipped into the open interval (lower, upper);
 * - `gumbel`: −log(−log u), u uniform in [tiny, 1);
 * - `bernoulli`: u < p.
 *
 * Every sampler takes a key and returns fresh numbers; it never changes the
 * key. Calling one twice with the same key gives the same numbers.
 */

import { tensor } from '../ops/create.ts';
import * as O from '../ops/index.ts';
import { erfInv } from '../primitives/erfinv.ts';
import { PuregradError } from '../tensor/errors.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { FloatDType } from './bits.ts';
import { boundOf, checkFloatDType, checkOptions, checkShape, unitFloats } from './bits.ts';
import { erf, nextAfter, roundTo } from './erf.ts';

export interface UniformOptions {
  readonly dtype?: FloatDType;
  /** Inclusive lower end (default 0); a tensor must broadcast to the shape. */
  readonly minval?: number | Tensor;
  /** Exclusive upper end (default 1). */
  readonly maxval?: number | Tensor;
}

/**
 * Uniform samples in [minval, maxval) of `shape` (default []), float32 unless
 * `dtype` says otherwise. For float32 these are JAX's `random.uniform` values
 * bit for bit (float64 matches JAX with 64-bit mode enabled).
 * @example
 * random.uniform(random.key(0)) // => 0.947667
 * random.uniform(random.key(1), [2, 3]).shape // => [2, 3]
 * random.uniform(random.key(1), [1000], { minval: -1, maxval: 1 }).abs().max().item() < 1 // => true
 */
export function uniform(key: Tensor, shape: readonly number[] = [], options: UniformOptions = {}): Tensor {
  checkOptions('random.uniform', options, ['dtype', 'minval', 'maxval']);
  const s = checkShape('random.uniform', shape);
  const dtype = checkFloatDType('random.uniform', options.dtype ?? 'float32');
  const lo = boundOf('random.uniform', 'minval', options.minval ?? 0, s, dtype);
  const hi = boundOf('random.uniform', 'maxval', options.maxval ?? 1, s, dtype);
  const u = unitFloats('random.uniform', key, s, dtype);
  return O.maximum(lo, O.add(O.mul(u, O.sub(hi, lo)), lo));
}

/**
 * Standard normal samples of `shape` (default []): √2·erf⁻¹(v) with v uniform
 * in (−1, 1), as JAX's `random.normal`, whose float32 values these match to
 * an ulp or two (the difference is in XLA's own log1p).
 * @example
 * random.normal(random.key(0), [3]).shape // => [3]
 * Math.abs(random.normal(random.key(0), [10000]).mean().item()) < 0.05 // => true
 */
export function normal(key: Tensor, shape: readonly number[] = [], options: { readonly dtype?: FloatDType } = {}): Tensor {
  checkOptions('random.normal', options, ['dtype']);
  const s = checkShape('random.normal', shape);
  const dtype = checkFloatDType('random.normal', options.dtype ?? 'float32');
  const v = uniform(key, s, { dtype, minval: nextAfter(-1, 0, dtype), maxval: 1 });
  return O.mul(erfInv(v), roundTo(Math.SQRT2, dtype));
}

export interface TruncatedNormalOptions {
  /** Lower truncation point (default −2). */
  readonly lower?: number;
  /** Upper truncation point (default 2). */
  readonly upper?: number;
  readonly dtype?: FloatDType;
}

/**
 * Standard normal samples conditioned on lying in (lower, upper) (default
 * (−2, 2)), by inverting the CDF as JAX's `random.truncated_normal` does:
 * v uniform in [erf(lower/√2), erf(upper/√2)), then √2·erf⁻¹(v), clipped
 * into the open interval. The bounds are numbers: erf of them is computed
 * in double precision on the host and rounded to `dtype` (JAX evaluates it in
 * `dtype`, so float32 samples may differ from JAX's by a few ulp).
 * @example
 * const x = random.truncatedNormal(random.key(0), [1000], { lower: -1, upper: 0.5 })
 * [x.min().item() > -1, x.max().item() < 0.5] // => [true, true]
 */
export function truncatedNormal(key: Tensor, shape: readonly number[] = [], options: TruncatedNormalOptions = {}): Tensor {
  checkOptions('random.truncatedNormal', options, ['lower', 'upper', 'dtype']);
  const s = checkShape('random.truncatedNormal', shape);
  const dtype = checkFloatDType('random.truncatedNormal', options.dtype ?? 'float32');
  const lower = roundTo(options.lower ?? -2, dtype);
  const upper = roundTo(options.upper ?? 2, dtype);
  if (!(lower < upper)) {
    throw new PuregradError('random.truncatedNormal', `needs lower < upper, got lower ${lower} and upper ${upper}`);
  }
  const sqrt2 = roundTo(Math.SQRT2, dtype);
  const a = roundTo(erf(roundTo(lower / sqrt2, dtype)), dtype);
  const b = roundTo(erf(roundTo(upper / sqrt2, dtype)), dtype);
  const v = uniform(key, s, { dtype, minval: a, maxval: b });
  const out = O.mul(erfInv(v), sqrt2);
  const inside = (x: number): Tensor => tensor(x, { dtype });
  return O.minimum(O.maximum(out, inside(nextAfter(lower, Infinity, dtype))), inside(nextAfter(upper, -Infinity, dtype)));
}

/**
 * Standard Gumbel samples (density e^−(x + e^−x)) of `shape`: −log(−log u)
 * with u uniform in [tiny, 1), as JAX's `random.gumbel`. Adding them to
 * logits and taking the argmax samples a categorical (`categorical`).
 * @example
 * random.gumbel(random.key(0), [2]).shape // => [2]
 * Math.abs(random.gumbel(random.key(0), [20000]).mean().item() - 0.5772) < 0.03 // => true
 */
export function gumbel(key: Tensor, shape: readonly number[] = [], options: { readonly dtype?: FloatDType } = {}): Tensor {
  checkOptions('random.gumbel', options, ['dtype']);
  const s = checkShape('random.gumbel', shape);
  const dtype = checkFloatDType('random.gumbel', options.dtype ?? 'float32');
  const tiny = dtype === 'float32' ? 2 ** -126 : 2 ** -1022; // the smallest normal number
  return O.neg(O.log(O.neg(O.log(uniform(key, s, { dtype, minval: tiny, maxval: 1 })))));
}

/**
 * Booleans that are true with probability `p` (default 0.5), of `shape`
 * (default: the shape of `p`): uniform(key, shape) < p, as JAX's
 * `random.bernoulli`. A number `p` samples in float32; a tensor `p` in its
 * own float dtype.
 * @example
 * random.bernoulli(random.key(0), 0.5, [4]).dtype // => "bool"
 * random.bernoulli(random.key(0), tensor([0, 1])) // => [false, true]
 */
export function bernoulli(key: Tensor, p: number | Tensor = 0.5, shape?: readonly number[]): Tensor {
  const prob = p instanceof Tensor ? p : tensor(p, { dtype: 'float32' });
  if (prob.dtype !== 'float32' && prob.dtype !== 'float64') {
    throw new PuregradError('random.bernoulli', `p must be a float, got ${prob.dtype}; cast it with cast(p, 'float32')`);
  }
  const s = checkShape('random.bernoulli', shape ?? prob.shape);
  boundOf('random.bernoulli', 'p', prob, s, prob.dtype);
  return O.less(uniform(key, s, { dtype: prob.dtype }), prob);
}
