/**
 * Lion (Chen et al., "Symbolic discovery of optimization algorithms", 2023):
 * a momentum method whose update is the sign of an interpolation between the
 * momentum and the gradient, so every coordinate moves by exactly the learning
 * rate. optax's `scale_by_lion` and `lion`.
 */

import { sign } from '../ops/index.ts';
import { scalar } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { EmptyState, GradientTransformation, Params, ScalarOrSchedule } from './base.ts';
import type { LearningRateState } from './scaling.ts';
import { checkParams, fullLike, mapWith, transformation } from './base.ts';
import { chain } from './combine.ts';
import { firstMoment, safeIncrement } from './numerics.ts';
import type { Mask } from './options.ts';
import { checkLearningRate, mask, nonNegative, rate, settle } from './options.ts';
import { addDecayedWeights, scaleByLearningRate } from './scaling.ts';

/** The state of `scaleByLion`: the step count and the momentum. */
export interface ScaleByLionState {
  readonly count: Tensor;
  readonly mu: Params;
}

export interface ScaleByLionOptions {
  /** Weight of the momentum in the interpolation whose sign is the update (default 0.9). */
  readonly b1?: number;
  /** Decay of the momentum (default 0.99). */
  readonly b2?: number;
}

const LION_RULES = { b1: rate, b2: rate };

/**
 * Lion's rescaling: u = sign((1 − β₁)·g + β₁·m_{t−1}), then the momentum
 * m_t = (1 − β₂)·g + β₂·m_{t−1} (optax's `scale_by_lion`, mode 'hard').
 * @example
 * const opt = optim.scaleByLion()
 * opt.update({ w: tensor([0.3, -2, 0]) }, opt.init({ w: tensor([0, 0, 0]) }))[0] // => { "w": [1, -1, 0] }
 */
export function scaleByLion(options: ScaleByLionOptions = {}): GradientTransformation<ScaleByLionState> {
  const op = 'optim.scaleByLion';
  const { b1, b2 } = settle(op, options, { b1: 0.9, b2: 0.99 }, LION_RULES);
  return transformation<ScaleByLionState>(
    (params) => (checkParams(op, params), Object.freeze({ count: scalar(0, 'int32'), mu: fullLike(params, 0) })),
    (updates, state) => {
      const out = mapWith(op, (g, m) => sign(firstMoment(g, m!, b1)), updates, ['state', state.mu]);
      const mu = mapWith(op, (g, m) => firstMoment(g, m!, b2), updates, ['state', state.mu]);
      return [out, Object.freeze({ count: safeIncrement(state.count), mu })];
    },
  );
}

export interface LionOptions extends ScaleByLionOptions {
  /** Decoupled weight decay λ, multiplied by the learning rate (default 1e-3). */
  readonly weightDecay?: number;
  /** Which parameters decay (a tree of booleans or a function returning one); default all. */
  readonly mask?: Mask;
}

/** The state of `lion`: Lion's momentum and count, the weight decay's (empty), the learning rate's. */
export type LionState = readonly [ScaleByLionState, EmptyState, LearningRateState];

/**
 * The Lion optimizer (optax's `lion`): with α the learning rate and λ the
 * weight decay,
 *
 *     c = (1 − β₁)·g + β₁·m_{t−1}
 *     u = −α·(sign(c) + λ·θ)
 *     m_t = (1 − β₂)·g + β₂·m_{t−1}
 *
 * Chen et al., "Symbolic discovery of optimization algorithms", 2023. Its
 * steps are larger than Adam's: take a learning rate 3–10× smaller than
 * AdamW's and a weight decay 3–10× larger.
 * @example
 * const opt = optim.lion(0.1, { weightDecay: 0 })
 * const params = { w: tensor([1, 1]) }
 * opt.update({ w: tensor([5, -0.01]) }, opt.init(params), params)[0] // => { "w": [-0.1, 0.1] }
 */
export function lion(learningRate: ScalarOrSchedule, options: LionOptions = {}): GradientTransformation<LionState> {
  const op = 'optim.lion';
  checkLearningRate(op, learningRate);
  const defaults = { b1: 0.9, b2: 0.99, weightDecay: 1e-3, mask: undefined as Mask | undefined };
  const o = settle(op, options, defaults, { ...LION_RULES, weightDecay: nonNegative, mask });
  return chain(
    scaleByLion({ b1: o.b1, b2: o.b2 }),
    addDecayedWeights(o.weightDecay, o.mask),
    scaleByLearningRate(learningRate),
  );
}
