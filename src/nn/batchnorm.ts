/**
 * Batch normalization with its running statistics as *state passed in and out*,
 * the pure answer to "where do BatchNorm's running averages live?": `init`
 * returns `{ params, state }`, and `apply(params, state, x, { training })`
 * returns `[y, newState]`. Nothing is mutated; the caller keeps the new state
 * (typically next to the optimizer state) and hands it to the next step.
 *
 * Conventions are flax's `BatchNorm`: in training the statistics are the
 * batch's, over every axis but the feature axis, and the running ones move
 * toward them, ra ← momentum·ra + (1 − momentum)·batch (momentum 0.99, biased
 * batch variance); in evaluation the running statistics are used and the
 * state comes back unchanged. The new state carries no gradient: running
 * averages are bookkeeping, not something to train.
 */

import * as E from '../ops/elementwise.ts';
import * as R from '../ops/reduce.ts';
import { cast, reshape } from '../ops/shape.ts';
import { full } from '../tensor/create.ts';
import { PuregradError } from '../tensor/errors.ts';
import { normalizeAxis, shapeEq, showShape } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { InitDType } from './init.ts';
import { checkOptionKeys } from './options.ts';

/** The trainable parameters: `scale` (γ, ones) and `bias` (β, zeros), each [features], when enabled. */
export type BatchNormParams<UseScale extends boolean = true, UseBias extends boolean = true> =
  (UseScale extends true ? { readonly scale: Tensor } : Record<never, never>) &
  (UseBias extends true ? { readonly bias: Tensor } : Record<never, never>);

/** The running statistics, each [features]: `mean` (starts at 0) and `var` (starts at 1). */
export interface BatchNormState {
  readonly mean: Tensor;
  readonly var: Tensor;
}

/** Options of `batchNorm`. */
export interface BatchNormOptions<UseScale extends boolean = boolean, UseBias extends boolean = boolean> {
  /** Weight of the old running statistics in each update (default 0.99). */
  readonly momentum?: number;
  /** Added to the variance before the square root (default 1e-5). */
  readonly epsilon?: number;
  /** Multiply by a learned `scale` (default true). */
  readonly useScale?: UseScale;
  /** Add a learned `bias` (default true). */
  readonly useBias?: UseBias;
  /** The feature axis of the inputs (default −1). */
  readonly axis?: number;
  /** float32 (default) or float64 parameters and state. */
  readonly dtype?: InitDType;
}

/** Options of `apply`: `training` picks batch statistics (and a new state) or the running ones. */
export interface BatchNormApplyOptions {
  readonly training: boolean;
}

/** A batch-norm layer: stateful in the pure sense, its state an argument and a result. */
export interface BatchNorm<P> {
  readonly features: number;
  readonly init: (key?: Tensor) => { readonly params: P; readonly state: BatchNormState };
  readonly apply: (params: P, state: BatchNormState, x: Tensor, options: BatchNormApplyOptions) => readonly [Tensor, BatchNormState];
}

/**
 * Batch normalization over `features` channels on `axis`: y = (x − μ)/√(σ² + ε)·scale + bias.
 * @example
 * const bn = nn.batchNorm(2, { momentum: 0.5 })
 * const { params, state } = bn.init()
 * const [y, next] = bn.apply(params, state, tensor([[1, 10], [3, 30]]), { training: true })
 * y // => [[-0.999995, -1], [0.999995, 1]]
 * next.mean // => [1, 10]
 * bn.apply(params, next, tensor([[2, 20]]), { training: false })[1] === next // => true
 */
export function batchNorm<UseScale extends boolean = true, UseBias extends boolean = true>(
  features: number,
  options: BatchNormOptions<UseScale, UseBias> = {},
): BatchNorm<BatchNormParams<UseScale, UseBias>> {
  checkOptionKeys('batchNorm', options, ['momentum', 'epsilon', 'useScale', 'useBias', 'axis', 'dtype']);
  const { momentum = 0.99, epsilon = 1e-5, useScale = true, useBias = true, axis = -1, dtype = 'float32' } = options;
  const name = `batchNorm(${features})`;
  if (!Number.isInteger(features) || features < 1) {
    throw new PuregradError('batchNorm', `features must be a positive integer, got ${features}`);
  }
  if (!(momentum >= 0 && momentum <= 1)) throw new PuregradError(name, `momentum must be in [0, 1], got ${momentum}`);
  if (!(epsilon >= 0)) throw new PuregradError(name, `epsilon must be non-negative, got ${epsilon}`);
  type P = BatchNormParams<UseScale, UseBias>;
  const init = (_key?: Tensor) => {
    const params = {
      ...(useScale ? { scale: full([features], 1, dtype) } : {}),
      ...(useBias ? { bias: full([features], 0, dtype) } : {}),
    };
    const state = Object.freeze({ mean: full([features], 0, dtype), var: full([features], 1, dtype) });
    return Object.freeze({ params: Object.freeze(params) as P, state });
  };
  const apply = (params: P, state: BatchNormState, x: Tensor, options: BatchNormApplyOptions) => {
    const training = (options as Partial<BatchNormApplyOptions> | undefined)?.training;
    if (typeof training !== 'boolean') {
      throw new PuregradError(name, 'apply needs { training: true } (batch statistics, a new state) or ' +
        '{ training: false } (the running statistics), as its fourth argument');
    }
    checkOptionKeys(name, options, ['training']);
    const a = normalizeAxis(axis, x.rank);
    if (a === undefined || x.shape[a] !== features) {
      throw new PuregradError(name, `input of shape ${showShape(x.shape)} must have ${features} features on axis ${axis}`);
    }
    const p = params as { readonly scale?: Tensor; readonly bias?: Tensor };
    const vectors: [string, Tensor | undefined][] = [['state.mean', state.mean], ['state.var', state.var]];
    if (useScale) vectors.push(['params.scale', p.scale]);
    if (useBias) vectors.push(['params.bias', p.bias]);
    for (const [what, v] of vectors) {
      if (v === undefined || !shapeEq(v.shape, [features])) {
        const got = v === undefined ? 'is missing' : `has shape ${showShape(v.shape)}`;
        throw new PuregradError(name, `${what} ${got}, expected [${features}]`);
      }
    }
    const others = x.shape.map((_, i) => i).filter((i) => i !== a);
    const along = (v: Tensor) => reshape(v, x.shape.map((d, i) => (i === a ? d : 1)));
    let mean = state.mean;
    let variance = state.var;
    let next = state;
    if (training) {
      const mu = R.mean(x, { axis: others, keepdims: true });
      const batchVar = R.mean(E.square(E.sub(x, mu)), { axis: others });
      const batchMean = reshape(mu, [features]);
      [mean, variance] = [batchMean, batchVar];
      // in the state's own dtype, so the state keeps its type from step to step (a jit cache hit, a scan carry)
      const move = (old: Tensor, batch: Tensor) =>
        E.stopGradient(cast(E.add(E.mul(old, momentum), E.mul(batch, 1 - momentum)), old.dtype));
      next = Object.freeze({ mean: move(state.mean, batchMean), var: move(state.var, batchVar) });
    }
    let y = E.div(E.sub(x, along(mean)), E.sqrt(E.add(along(variance), epsilon)));
    if (useScale) y = E.mul(y, along(p.scale!));
    if (useBias) y = E.add(y, along(p.bias!));
    return [y, next] as const;
  };
  return Object.freeze({ features, init, apply });
}
