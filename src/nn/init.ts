/**
 * Initializers, as JAX's `jax.nn.initializers`: each is a function
 * `(key, shape, options?) => Tensor` of type `Initializer`, usable directly —
 * `nn.init.heNormal(key, [784, 128])` — and passed to layers as it is. Where
 * JAX builds an initializer from parameters (`normal(stddev)`), the parameter
 * is an option of the call instead (`nn.init.normal(key, shape, { stddev })`),
 * so every name has one type; `withOptions(init, preset)` fixes options ahead
 * of time for a layer (`withOptions(nn.init.normal, { stddev: 0.1 })`).
 *
 * The variance-scaling family is built by `varianceScaling(scale, mode,
 * distribution)`, following JAX's `variance_scaling` step by step: the fans
 * count the receptive field of a convolution kernel (every axis that is not
 * the input, output or batch axis), the variance is scale / fan, a truncated
 * normal is divided by the standard deviation of a standard normal truncated
 * to (−2, 2) so the result has exactly that variance, and a uniform is drawn
 * on [−1, 1) and scaled by √(3·variance). Scalars are rounded to the dtype at
 * the points where JAX rounds them, so that from the same random draws the
 * values are JAX's (test/nn-init.test.ts checks them against JAX's docstrings).
 */

import * as E from '../ops/elementwise.ts';
import * as random from '../random/index.ts';
import { full } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import { normalizeAxis, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkOptionKeys } from './options.ts';
import { orthogonalFromNormal, orthogonalSampleShape } from './qr.ts';

/** The float dtypes an initializer can produce. */
export type InitDType = 'float32' | 'float64';

/** Options every initializer takes. */
export interface InitOptions {
  /** float32 (default) or float64. */
  readonly dtype?: InitDType;
}

/** `(key, shape, options?) => Tensor`; `O` adds an initializer's own options to `dtype`. */
export type Initializer<O extends InitOptions = InitOptions> = (key: Tensor, shape: readonly number[], options?: O) => Tensor;

/** Which fan the variance divides by: inputs, outputs, or their average. */
export type FanMode = 'fanIn' | 'fanOut' | 'fanAvg';

/** The distribution `varianceScaling` draws from. */
export type Distribution = 'truncatedNormal' | 'normal' | 'uniform';

/** Where the input and output units are in a weight shape (JAX's `in_axis`, `out_axis`, `batch_axis`). */
export interface FanAxes {
  /** Axis or axes of the inputs (default −2). */
  readonly inAxis?: number | readonly number[];
  /** Axis or axes of the outputs (default −1). */
  readonly outAxis?: number | readonly number[];
  /** Axes that index independent weights and count in neither fan (default none). */
  readonly batchAxis?: readonly number[];
}

/** Options of the variance-scaling initializers: a dtype, and fan axes that override the preset ones. */
export interface VarianceScalingOptions extends InitOptions, FanAxes {}

const round = (v: number, dtype: InitDType): number => (dtype === 'float32' ? Math.fround(v) : v);

/** The dtype of a checked call: shape, dtype and the option names (`dtype` and `own`) are validated. */
function checked(
  op: string,
  shape: readonly number[],
  options: InitOptions | undefined,
  own: readonly string[] = [],
): InitDType {
  checkOptionKeys(`nn.init.${op}`, options, ['dtype', ...own]);
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new PuregradError(`nn.init.${op}`, `shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  const dtype = options?.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') {
    throw new PuregradError(`nn.init.${op}`, `dtype must be 'float32' or 'float64', got ${JSON.stringify(dtype)}`);
  }
  return dtype;
}

/**
 * `init` with some options fixed in advance; options given at the call (such as a layer's
 * dtype) are added to them and win.
 * @example
 * const small = nn.init.withOptions(nn.init.normal, { stddev: 1e-4 })
 * small(random.key(0), [2]).shape // => [2]
 */
export function withOptions<O extends InitOptions>(init: Initializer<O>, preset: O): Initializer {
  const fixed = Object.freeze({ ...preset });
  return (key, shape, options) => init(key, shape, { ...fixed, ...options });
}

/**
 * All zeros; the key is ignored.
 * @example
 * nn.init.zeros(random.key(0), [2]) // => [0, 0]
 */
export const zeros: Initializer = (_key, shape, options) => full([...shape], 0, checked('zeros', shape, options));

/**
 * All ones; the key is ignored.
 * @example
 * nn.init.ones(random.key(0), [2], { dtype: 'float64' }) // => [1, 1]
 */
export const ones: Initializer = (_key, shape, options) => full([...shape], 1, checked('ones', shape, options));

/**
 * Every entry `value` (default 0); the key is ignored.
 * @example
 * nn.init.constant(random.key(0), [2], { value: 0.5 }) // => [0.5, 0.5]
 */
export const constant: Initializer<InitOptions & { readonly value?: number }> = (_key, shape, options) =>
  full([...shape], options?.value ?? 0, checked('constant', shape, options, ['value']));

/**
 * Uniform on [0, scale), scale = 0.01 by default (as JAX's `uniform`: not centred at 0).
 * @example
 * nn.init.uniform(random.key(0), [3], { scale: 2 }).shape // => [3]
 */
export const uniform: Initializer<InitOptions & { readonly scale?: number }> = (key, shape, options) => {
  const dtype = checked('uniform', shape, options, ['scale']);
  return E.mul(random.uniform(key, [...shape], { dtype }), round(options?.scale ?? 1e-2, dtype));
};

/**
 * Normal with mean 0 and standard deviation `stddev` (default 0.01).
 * @example
 * nn.init.normal(random.key(0), [2, 3], { stddev: 1 }).shape // => [2, 3]
 */
export const normal: Initializer<InitOptions & { readonly stddev?: number }> = (key, shape, options) => {
  const dtype = checked('normal', shape, options, ['stddev']);
  return E.mul(random.normal(key, [...shape], { dtype }), round(options?.stddev ?? 1e-2, dtype));
};

/** Options of `truncatedNormal`: the standard deviation and the truncation points (in standard deviations). */
export interface TruncatedNormalOptions extends InitOptions {
  readonly stddev?: number;
  readonly lower?: number;
  readonly upper?: number;
}

/**
 * A standard normal truncated to (lower, upper) (default (−2, 2)), times `stddev` (default 0.01).
 * As in JAX, the standard deviation is not corrected for the truncation (`varianceScaling` does that).
 * @example
 * nn.init.truncatedNormal(random.key(0), [4], { stddev: 1, lower: -1, upper: 1 }).shape // => [4]
 */
export const truncatedNormal: Initializer<TruncatedNormalOptions> = (key, shape, options) => {
  const dtype = checked('truncatedNormal', shape, options, ['stddev', 'lower', 'upper']);
  const sample = random.truncatedNormal(key, [...shape], { lower: options?.lower ?? -2, upper: options?.upper ?? 2, dtype });
  return E.mul(sample, round(options?.stddev ?? 1e-2, dtype));
};

const axesOf = (op: string, shape: readonly number[], axes: number | readonly number[], what: string): number[] =>
  (typeof axes === 'number' ? [axes] : [...axes]).map((a) => {
    const i = normalizeAxis(a, shape.length);
    if (i === undefined) {
      throw new PuregradError(`nn.init.${op}`, `${what} ${a} is out of range for shape ${showShape(shape)}`);
    }
    return i;
  });

/**
 * [fanIn, fanOut] of a weight shape: the sizes of the input and output axes, each times the
 * receptive field (the product of the axes that are neither input, output nor batch axes).
 * For a dense kernel [in, out] that is [in, out]; for an HWIO convolution kernel [kh, kw, in, out],
 * [kh·kw·in, kh·kw·out].
 * @example
 * nn.init.computeFans([3, 3, 16, 32]) // => [144, 288]
 */
export function computeFans(shape: readonly number[], axes: FanAxes = {}): readonly [number, number] {
  return fans('computeFans', shape, axes);
}

function fans(op: string, shape: readonly number[], axes: FanAxes): readonly [number, number] {
  if (shape.length < 2) {
    throw new PuregradError(`nn.init.${op}`, 'fans are defined for weights of at least 2 axes, ' +
      `got shape ${showShape(shape)}; for a bias use nn.init.zeros or nn.init.constant`);
  }
  const size = (list: number[]) => list.reduce((p, i) => p * shape[i]!, 1);
  const inSize = size(axesOf(op, shape, axes.inAxis ?? -2, 'inAxis'));
  const outSize = size(axesOf(op, shape, axes.outAxis ?? -1, 'outAxis'));
  const batchSize = size(axesOf(op, shape, axes.batchAxis ?? [], 'batchAxis'));
  const total = shape.reduce((p, d) => p * d, 1);
  const receptiveField = total / inSize / outSize / batchSize;
  return [inSize * receptiveField, outSize * receptiveField];
}

/** The standard deviation of a standard normal truncated to (−2, 2) (JAX's constant). */
const TRUNCATED_STDDEV = 0.87962566103423978;

/**
 * An initializer with variance scale / n, n the fan chosen by `mode`, drawn from `distribution`,
 * as JAX's `variance_scaling`. `axes` say where the fans are (defaults: inputs on axis −2, outputs
 * on −1); options at the call may override them.
 * @example
 * const init = nn.init.varianceScaling(2, 'fanIn', 'normal')
 * init(random.key(0), [400, 50]).shape // => [400, 50]
 */
export function varianceScaling(
  scale: number,
  mode: FanMode,
  distribution: Distribution,
  axes: FanAxes = {},
): Initializer<VarianceScalingOptions> {
  return scaled('varianceScaling', scale, mode, distribution, axes);
}

/** `varianceScaling`, its errors naming `op` (the preset's own name, such as `heNormal`). */
function scaled(
  op: string,
  scale: number,
  mode: FanMode,
  distribution: Distribution,
  axes: FanAxes = {},
): Initializer<VarianceScalingOptions> {
  const fail = (message: string) => new PuregradError(`nn.init.${op}`, message);
  if (!(scale > 0)) throw fail(`scale must be positive, got ${scale}`);
  if (!['fanIn', 'fanOut', 'fanAvg'].includes(mode)) throw fail(`mode must be 'fanIn', 'fanOut' or 'fanAvg', got ${JSON.stringify(mode)}`);
  if (!['truncatedNormal', 'normal', 'uniform'].includes(distribution)) {
    throw fail(`distribution must be 'truncatedNormal', 'normal' or 'uniform', got ${JSON.stringify(distribution)}`);
  }
  const preset = Object.freeze({ ...axes });
  return (key, shape, options) => {
    const dtype = checked(op, shape, options, ['inAxis', 'outAxis', 'batchAxis']);
    const [fanIn, fanOut] = fans(op, shape, { ...preset, ...options });
    const denominator = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
    const variance = round(scale / denominator, dtype);
    const dims = [...shape];
    if (distribution === 'truncatedNormal') {
      const stddev = round(round(Math.sqrt(variance), dtype) / round(TRUNCATED_STDDEV, dtype), dtype);
      return E.mul(random.truncatedNormal(key, dims, { lower: -2, upper: 2, dtype }), stddev);
    }
    if (distribution === 'normal') return E.mul(random.normal(key, dims, { dtype }), round(Math.sqrt(variance), dtype));
    const bound = round(Math.sqrt(round(3 * variance, dtype)), dtype);
    return E.mul(random.uniform(key, dims, { dtype, minval: -1, maxval: 1 }), bound);
  };
}

/**
 * Glorot (Xavier) uniform: variance 1 / fanAvg, uniform. For tanh and sigmoid layers.
 * @example
 * nn.init.glorotUniform(random.key(0), [3, 4]).shape // => [3, 4]
 */
export const glorotUniform = scaled('glorotUniform', 1, 'fanAvg', 'uniform');

/**
 * Glorot (Xavier) normal: variance 1 / fanAvg, truncated normal.
 * @example
 * nn.init.glorotNormal(random.key(0), [3, 4]).shape // => [3, 4]
 */
export const glorotNormal = scaled('glorotNormal', 1, 'fanAvg', 'truncatedNormal');

/**
 * He (Kaiming) uniform: variance 2 / fanIn, uniform. For ReLU layers.
 * @example
 * nn.init.heUniform(random.key(0), [3, 4]).shape // => [3, 4]
 */
export const heUniform = scaled('heUniform', 2, 'fanIn', 'uniform');

/**
 * He (Kaiming) normal: variance 2 / fanIn, truncated normal. For ReLU layers.
 * @example
 * nn.init.heNormal(random.key(0), [784, 128]).shape // => [784, 128]
 */
export const heNormal = scaled('heNormal', 2, 'fanIn', 'truncatedNormal');

/**
 * LeCun uniform: variance 1 / fanIn, uniform.
 * @example
 * nn.init.lecunUniform(random.key(0), [3, 4]).shape // => [3, 4]
 */
export const lecunUniform = scaled('lecunUniform', 1, 'fanIn', 'uniform');

/**
 * LeCun normal: variance 1 / fanIn, truncated normal; the default of `nn.dense` (as flax's Dense).
 * @example
 * nn.init.lecunNormal(random.key(0), [3, 4]).shape // => [3, 4]
 */
export const lecunNormal = scaled('lecunNormal', 1, 'fanIn', 'truncatedNormal');

/** Options of `orthogonal`. */
export interface OrthogonalOptions extends InitOptions {
  /** Multiplies the orthogonal matrix (default 1). */
  readonly scale?: number;
  /** The axis whose slices are the orthonormal columns (default −1). */
  readonly columnAxis?: number;
}

/**
 * A random orthogonal matrix (uniformly distributed, by the QR of a normal matrix with R's diagonal
 * made positive, as JAX's `orthogonal`), times `scale`. The columns along `columnAxis` against the
 * flattened other axes: with fewer rows than columns the rows are orthonormal instead.
 * @example
 * const q = nn.init.orthogonal(random.key(0), [3, 3], { dtype: 'float64' })
 * matmul(transpose(q), q) // => [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
 */
export const orthogonal: Initializer<OrthogonalOptions> = (key, shape, options) => {
  const op = 'orthogonal';
  const dtype = checked(op, shape, options, ['scale', 'columnAxis']);
  if (shape.length < 2) throw new PuregradError(`nn.init.${op}`, `needs a shape of at least 2 axes, got ${showShape(shape)}`);
  const axis = axesOf(op, shape, options?.columnAxis ?? -1, 'columnAxis')[0]!;
  const sample = random.normal(key, orthogonalSampleShape(shape, axis), { dtype });
  return E.mul(orthogonalFromNormal(sample, shape, axis), round(options?.scale ?? 1, dtype));
};
