/**
 * Layers as pure pairs of functions, as flax's `init`/`apply` without the
 * module object: `init(key)` returns the parameters, a plain readonly object
 * (or array) of tensors, and `apply(params, x)` computes the output. Nothing
 * is stored in the layer, so `grad` of a loss with respect to the parameters
 * returns an object of the same shape, and using the same parameters twice is
 * weight sharing (each use adds its gradient).
 *
 * `dropout` is a function of a key rather than a layer: it has no parameters.
 */

import { describeValue, tensorArg } from '../ops/args.ts';
import * as E from '../ops/elementwise.ts';
import { matmul } from '../ops/linalg.ts';
import * as random from '../random/index.ts';
import { zeros as zerosLike } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { relu } from './activations.ts';
import type { InitDType, Initializer } from './init.ts';
import { lecunNormal, zeros } from './init.ts';
import { checkOptionKeys } from './options.ts';

/** A layer: `init(key)` makes its parameters, `apply(params, x)` runs it. */
export interface Layer<P> {
  readonly init: (key: Tensor) => P;
  readonly apply: (params: P, x: Tensor) => Tensor;
}

const checkSize = (op: string, what: string, n: number): void => {
  if (!Number.isInteger(n) || n < 1) throw new PuregradError(op, `${what} must be a positive integer, got ${n}`);
};

/** The parameters of a dense layer: kernel `w` [in, out] and, unless `useBias` is false, bias `b` [out]. */
export type DenseParams<UseBias extends boolean = true> = UseBias extends true
  ? { readonly w: Tensor; readonly b: Tensor }
  : { readonly w: Tensor };

/** Options of `dense`. */
export interface DenseOptions<UseBias extends boolean = boolean> {
  /** Initializer of the kernel (default `lecunNormal`, as flax). */
  readonly init?: Initializer;
  /** Initializer of the bias (default `zeros`). */
  readonly biasInit?: Initializer;
  /** Whether the layer adds a bias (default true); without one the params have no `b`. */
  readonly useBias?: UseBias;
  /** float32 (default) or float64 parameters. */
  readonly dtype?: InitDType;
}

/** A dense layer, with its sizes. */
export interface Dense<P> extends Layer<P> {
  readonly inFeatures: number;
  readonly outFeatures: number;
}

/**
 * The affine layer y = x·w + b, applied along the last axis of x ([..., in] → [..., out]).
 * `init(key)` draws `w` with `init` and `b` with `biasInit` from two keys split from `key`.
 * @example
 * const layer = nn.dense(3, 2)
 * const params = layer.init(random.key(0))
 * params.w.shape // => [3, 2]
 * layer.apply(params, ones([5, 3])).shape // => [5, 2]
 * nn.dense(2, 1, { useBias: false }).apply({ w: tensor([[1], [2]]) }, tensor([3, 4])) // => [11]
 */
export function dense<UseBias extends boolean = true>(
  inFeatures: number,
  outFeatures: number,
  options: DenseOptions<UseBias> = {},
): Dense<DenseParams<UseBias>> {
  checkSize('dense', 'inFeatures', inFeatures);
  checkSize('dense', 'outFeatures', outFeatures);
  checkOptionKeys('dense', options, ['init', 'biasInit', 'useBias', 'dtype']);
  const { init = lecunNormal, biasInit = zeros, useBias = true, dtype = 'float32' } = options;
  const name = `dense(${inFeatures} → ${outFeatures})`;
  const initParams = (key: Tensor): DenseParams<UseBias> => {
    const [wKey, bKey] = random.splitN(key, 2) as [Tensor, Tensor];
    const w = init(wKey, [inFeatures, outFeatures], { dtype });
    const params = useBias ? { w, b: biasInit(bKey, [outFeatures], { dtype }) } : { w };
    return Object.freeze(params) as DenseParams<UseBias>;
  };
  const apply = (params: DenseParams<UseBias>, x: Tensor): Tensor => {
    const p = params as { readonly w: Tensor; readonly b?: Tensor };
    tensorArg(name, x);
    if (typeof params !== 'object' || params === null) throw new PuregradError(name, `params must be {w, b} as init returns, got ${describeValue(params)}`);
    tensorArg(name, p.w, 'params.w');
    if (useBias && p.b !== undefined) tensorArg(name, p.b, 'params.b');
    if (x.rank === 0 || x.shape[x.rank - 1] !== inFeatures) {
      throw new PuregradError(name, `input of shape ${showShape(x.shape)} must have ${inFeatures} features on its last axis`);
    }
    if (!shapeEq(p.w.shape, [inFeatures, outFeatures])) {
      throw new PuregradError(name, `params.w has shape ${showShape(p.w.shape)}, expected [${inFeatures}, ${outFeatures}]`);
    }
    if (useBias && (p.b === undefined || !shapeEq(p.b.shape, [outFeatures]))) {
      const got = p.b === undefined ? 'is missing' : `has shape ${showShape(p.b.shape)}`;
      throw new PuregradError(name, `params.b ${got}, expected [${outFeatures}]`);
    }
    const y = matmul(x, p.w);
    return useBias ? E.add(y, p.b!) : y;
  };
  return Object.freeze({ inFeatures, outFeatures, init: initParams, apply });
}

/** Options of `mlp`. */
export interface MlpOptions {
  /** Between layers (default `relu`). */
  readonly activation?: (x: Tensor) => Tensor;
  /** After the last layer (default none: the identity, so the outputs are logits). */
  readonly outputActivation?: (x: Tensor) => Tensor;
  /** Kernel initializer of every layer (default `lecunNormal`). */
  readonly init?: Initializer;
  /** Bias initializer of every layer (default `zeros`). */
  readonly biasInit?: Initializer;
  /** float32 (default) or float64 parameters. */
  readonly dtype?: InitDType;
}

/** The parameters of an `mlp`: one dense layer's parameters per pair of consecutive sizes. */
export type MlpParams = readonly DenseParams[];

/** A multilayer perceptron, with its sizes. */
export interface Mlp extends Layer<MlpParams> {
  readonly sizes: readonly number[];
}

/**
 * A multilayer perceptron: dense layers of sizes [in, hidden…, out], `activation` between them
 * and `outputActivation` after the last. Parameters: an array of `{w, b}`, first layer first.
 * @example
 * const net = nn.mlp([2, 4, 1], { activation: nn.tanh, outputActivation: nn.sigmoid })
 * const params = net.init(random.key(0))
 * params.map((p) => p.w.shape) // => [[2, 4], [4, 1]]
 * net.apply(params, zeros([3, 2])) // => [[0.5], [0.5], [0.5]]
 */
export function mlp(sizes: readonly number[], options: MlpOptions = {}): Mlp {
  if (sizes.length < 2) {
    throw new PuregradError('mlp', `sizes must list at least the input and output sizes, got [${sizes.join(', ')}]`);
  }
  sizes.forEach((n, i) => checkSize('mlp', `sizes[${i}]`, n));
  checkOptionKeys('mlp', options, ['activation', 'outputActivation', 'init', 'biasInit', 'dtype']);
  const { activation = relu, outputActivation = (x: Tensor) => x, init, biasInit, dtype } = options;
  const layers = sizes.slice(1).map((out, i) => dense(sizes[i]!, out, { init, biasInit, dtype }));
  const initParams = (key: Tensor): MlpParams =>
    Object.freeze(random.splitN(key, layers.length).map((k, i) => layers[i]!.init(k)));
  const apply = (params: MlpParams, x: Tensor): Tensor => {
    if (params.length !== layers.length) {
      throw new PuregradError(`mlp([${sizes.join(', ')}])`, `params has ${params.length} layers, expected ${layers.length}`);
    }
    return layers.reduce((h, layer, i) => {
      const y = layer.apply(params[i]!, h);
      return i === layers.length - 1 ? outputActivation(y) : activation(y);
    }, x);
  };
  return Object.freeze({ sizes: Object.freeze([...sizes]), init: initParams, apply });
}

/**
 * Inverted dropout, as flax: each entry is kept with probability 1 − rate and scaled by
 * 1/(1 − rate), so the expected value is x; rate 0 returns x and rate 1 zeros. Use it while
 * training only, with a fresh key each step (reusing a key drops the same entries).
 * @example
 * nn.dropout(random.key(0), 0, tensor([1, 2])) // => [1, 2]
 * nn.dropout(random.key(0), 1, tensor([1, 2])) // => [0, 0]
 * nn.dropout(random.key(0), 0.5, ones([4])).toArray().every((v) => v === 0 || v === 2) // => true
 */
export function dropout(key: Tensor, rate: number, x: Tensor): Tensor {
  tensorArg('dropout', x);
  if (typeof rate !== 'number') {
    const r: unknown = rate;
    const got = r instanceof Tensor ? 'tensor' : typeof r;
    const why = 'it is static: rate 0 and 1 take other paths';
    throw new PuregradError('dropout', `rate must be a JS number (${why}), got a ${got}`);
  }
  if (!(rate >= 0 && rate <= 1)) throw new PuregradError('dropout', `rate must be in [0, 1], got ${rate}`);
  if (rate === 0) return x;
  if (rate === 1) return zerosLike(x.shape, x.dtype);
  const keep = random.bernoulli(key, 1 - rate, x.shape);
  return E.where(keep, E.div(x, 1 - rate), 0);
}
