/**
 * The Adam family as optax builds it: `adam` is Adam's rescaling followed by
 * the learning rate; `adamw` adds decoupled weight decay between the two; and
 * `lamb` rescales each parameter tensor's step by a trust ratio ‖θ‖/‖u‖.
 */

import { add, div, equal, mul, where } from '../ops/index.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { EmptyState, GradientTransformation, ScalarOrSchedule } from './base.ts';
import { mapWith, needParams, stateless } from './base.ts';
import { chain } from './combine.ts';
import type { ScaleByAdamOptions, ScaleByAdamState } from './moments.ts';
import type { LearningRateState } from './scaling.ts';
import { ADAM_DEFAULTS, ADAM_RULES, scaleByAdam } from './moments.ts';
import { safeNorm } from './numerics.ts';
import type { Mask } from './options.ts';
import { checkLearningRate, mask, nonNegative, rate, settle } from './options.ts';
import { addDecayedWeights, scaleByLearningRate } from './scaling.ts';

/** The state of `adam`: Adam's moments and count, then the learning rate's state. */
export type AdamState = readonly [ScaleByAdamState, LearningRateState];

/**
 * Adam (optax's `adam`; Kingma & Ba, "Adam: a method for stochastic
 * optimization", 2015, Algorithm 1). With α the learning rate and t the step
 * count starting at 1:
 *
 *     m_t = β₁·m_{t−1} + (1 − β₁)·g          v_t = β₂·v_{t−1} + (1 − β₂)·g²
 *     m̂ = m_t / (1 − β₁ᵗ)                    v̂ = v_t / (1 − β₂ᵗ)
 *     u = −α·m̂ / (√(v̂ + ε_root) + ε)
 *
 * Defaults β₁ = 0.9, β₂ = 0.999, ε = 1e-8, ε_root = 0. `nesterov: true` is
 * NAdam (Dozat, "Incorporating Nesterov momentum into Adam", 2016).
 * @example
 * const opt = optim.adam(0.1)
 * const params = { w: tensor([1, -1]) }
 * opt.update({ w: tensor([0.5, -3]) }, opt.init(params))[0] // => { "w": [-0.1, 0.1] }
 */
export function adam(learningRate: ScalarOrSchedule, options: ScaleByAdamOptions = {}): GradientTransformation<AdamState> {
  const op = 'optim.adam';
  checkLearningRate(op, learningRate);
  const o = settle(op, options, ADAM_DEFAULTS, ADAM_RULES);
  return chain(scaleByAdam(o), scaleByLearningRate(learningRate));
}

export interface AdamwOptions extends ScaleByAdamOptions {
  /** Decoupled weight decay λ, multiplied by the learning rate (default 1e-4). */
  readonly weightDecay?: number;
  /** Which parameters decay (a tree of booleans or a function returning one); default all. */
  readonly mask?: Mask;
}

/** The state of `adamw`: Adam's, the weight decay's (empty), the learning rate's. */
export type AdamwState = readonly [ScaleByAdamState, EmptyState, LearningRateState];

/**
 * AdamW: Adam with decoupled weight decay (optax's `adamw`; Loshchilov &
 * Hutter, "Decoupled weight decay regularization", 2019). With m̂, v̂ as in `adam`:
 *
 *     u = −α·(m̂ / (√(v̂ + ε_root) + ε) + λ·θ)
 *
 * As in optax and PyTorch, λ is multiplied by the learning rate α (the paper
 * multiplies it by the schedule multiplier only). Default λ = 1e-4.
 * @example
 * const opt = optim.adamw(0.1, { weightDecay: 0.5, mask: { w: true, b: false } })
 * const params = { w: tensor([2]), b: tensor([2]) }
 * opt.update({ w: tensor([1]), b: tensor([1]) }, opt.init(params), params)[0] // => { "b": [-0.1], "w": [-0.2] }
 */
export function adamw(learningRate: ScalarOrSchedule, options: AdamwOptions = {}): GradientTransformation<AdamwState> {
  const op = 'optim.adamw';
  checkLearningRate(op, learningRate);
  const defaults = { ...ADAM_DEFAULTS, weightDecay: 1e-4, mask: undefined as Mask | undefined };
  const o = settle(op, options, defaults, { ...ADAM_RULES, weightDecay: nonNegative, mask });
  const { b1, b2, eps, epsRoot, nesterov } = o;
  return chain(
    scaleByAdam({ b1, b2, eps, epsRoot, nesterov }),
    addDecayedWeights(o.weightDecay, o.mask),
    scaleByLearningRate(learningRate),
  );
}

export interface ScaleByTrustRatioOptions {
  /** Norms below this are raised to it (default 0). */
  readonly minNorm?: number;
  /** Multiplies the ratio (default 1). */
  readonly trustCoefficient?: number;
  /** Added to the update's norm (default 0). */
  readonly eps?: number;
}

/**
 * Scale each parameter tensor's update by the trust ratio
 * c·max(‖θ‖, n₀) / (max(‖u‖, n₀) + ε), or by 1 where either norm is 0
 * (optax's `scale_by_trust_ratio`, used by LARS and LAMB). Needs `params`.
 * @example
 * const opt = optim.scaleByTrustRatio()
 * const params = { w: tensor([3, 4]) }
 * opt.update({ w: tensor([0, 0.5]) }, opt.init(params), params)[0] // => { "w": [0, 5] }
 */
export function scaleByTrustRatio(options: ScaleByTrustRatioOptions = {}): GradientTransformation<EmptyState> {
  const op = 'optim.scaleByTrustRatio';
  const defaults = { minNorm: 0, trustCoefficient: 1, eps: 0 };
  const o = settle(op, options, defaults, { minNorm: nonNegative, trustCoefficient: nonNegative, eps: nonNegative });
  const ratio = (u: Tensor, p: Tensor): Tensor => {
    const [pn, un] = [safeNorm(p, o.minNorm), safeNorm(u, o.minNorm)];
    const trust = div(mul(o.trustCoefficient, pn), add(un, o.eps));
    return mul(u, where(equal(pn, 0), 1, where(equal(un, 0), 1, trust)));
  };
  return stateless((updates, params) =>
    mapWith(op, (u, p) => ratio(u, p!), updates, ['params', needParams(op, params)]));
}

export interface LambOptions extends Omit<ScaleByAdamOptions, 'nesterov'> {
  /** Weight decay λ added before the trust ratio (default 0). */
  readonly weightDecay?: number;
  /** Which parameters decay (a tree of booleans or a function returning one); default all. */
  readonly mask?: Mask;
}

/** The state of `lamb`: Adam's moments, the weight decay's and trust ratio's (empty), the learning rate's. */
export type LambState = readonly [ScaleByAdamState, EmptyState, EmptyState, LearningRateState];

/**
 * LAMB (optax's `lamb`; You et al., "Large batch optimization for deep
 * learning: training BERT in 76 minutes", 2020): Adam's direction plus weight
 * decay, rescaled layer by layer by the trust ratio ‖θ‖ / ‖r‖:
 *
 *     r = m̂ / (√(v̂ + ε_root) + ε) + λ·θ       (m̂, v̂ as in `adam`; default ε = 1e-6)
 *     u = −α·(‖θ‖ / ‖r‖)·r                    (ratio 1 where a norm is 0)
 * @example
 * const opt = optim.lamb(0.1)
 * const params = { w: tensor([3, 4]) }
 * opt.update({ w: tensor([1, 0]) }, opt.init(params), params)[0] // => { "w": [-0.5, 0] }
 */
export function lamb(learningRate: ScalarOrSchedule, options: LambOptions = {}): GradientTransformation<LambState> {
  const op = 'optim.lamb';
  checkLearningRate(op, learningRate);
  const o = settle(
    op,
    options,
    { b1: 0.9, b2: 0.999, eps: 1e-6, epsRoot: 0, weightDecay: 0, mask: undefined as Mask | undefined },
    { b1: rate, b2: rate, eps: nonNegative, epsRoot: nonNegative, weightDecay: nonNegative, mask },
  );
  return chain(
    scaleByAdam({ b1: o.b1, b2: o.b2, eps: o.eps, epsRoot: o.epsRoot }),
    addDecayedWeights(o.weightDecay, o.mask),
    scaleByTrustRatio(),
    scaleByLearningRate(learningRate),
  );
}
