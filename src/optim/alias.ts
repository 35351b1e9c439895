/**
 * The classic optimizers as chains of building blocks, as optax's `alias.py`
 * builds them: SGD (with momentum), Adagrad and RMSProp. Each ends with
 * `scaleByLearningRate`, which turns the transformed gradient into a descent
 * step −α·u; α may be a number or a schedule.
 */

import type { EmptyState, GradientTransformation, ScalarOrSchedule } from './base.ts';
import { identity } from './base.ts';
import { chain } from './combine.ts';
import { RMS_DEFAULTS, RMS_RULES, RSS_DEFAULTS, RSS_RULES, scaleByRms, scaleByRss, scaleByStddev, trace } from './moments.ts';
import type { ScaleByRmsOptions, ScaleByRmsState, ScaleByRssState, ScaleByStddevState, TraceState } from './moments.ts';
import type { LearningRateState } from './scaling.ts';
import { checkLearningRate, flag, optional, rate, settle } from './options.ts';
import { scaleByLearningRate } from './scaling.ts';

export interface SgdOptions {
  /** The momentum μ in [0, 1); without it (the default) there is no momentum buffer. */
  readonly momentum?: number;
  /** Nesterov's momentum (default false). */
  readonly nesterov?: boolean;
}

/** The state of `sgd`: the momentum buffer (or nothing), then the learning rate's. */
export type SgdState = readonly [EmptyState | TraceState, LearningRateState];

/**
 * Stochastic gradient descent (optax's `sgd`; Robbins & Monro, "A stochastic
 * approximation method", 1951), with optional momentum (Polyak, 1964) in the
 * form of Sutskever et al., "On the importance of initialization and momentum
 * in deep learning", 2013. With α the learning rate:
 *
 *     without momentum:  u = −α·g
 *     with momentum μ:   m_t = g + μ·m_{t−1},  u = −α·m_t  (Nesterov: u = −α·(g + μ·m_t))
 * @example
 * const opt = optim.sgd(0.1, { momentum: 0.9 })
 * const params = { w: tensor([1]) }
 * const [u1, s1] = opt.update({ w: tensor([1]) }, opt.init(params))
 * const [u2] = opt.update({ w: tensor([1]) }, s1)
 * [u1, u2] // => [{ "w": [-0.1] }, { "w": [-0.19] }]
 */
export function sgd(learningRate: ScalarOrSchedule, options: SgdOptions = {}): GradientTransformation<SgdState> {
  const op = 'optim.sgd';
  checkLearningRate(op, learningRate);
  const defaults = { momentum: undefined as number | undefined, nesterov: false };
  const o = settle(op, options, defaults, { momentum: optional(rate), nesterov: flag });
  return chain(
    o.momentum === undefined ? identity() : trace({ decay: o.momentum, nesterov: o.nesterov }),
    scaleByLearningRate(learningRate),
  );
}

export interface AdagradOptions {
  /** The initial value of the sum of squares (default 0.1). */
  readonly initialAccumulatorValue?: number;
  /** Added inside the root (default 1e-7). */
  readonly eps?: number;
}

/** The state of `adagrad`: the accumulated squares, then the learning rate's state. */
export type AdagradState = readonly [ScaleByRssState, LearningRateState];

/**
 * Adagrad (optax's `adagrad`; Duchi, Hazan & Singer, "Adaptive subgradient
 * methods for online learning and stochastic optimization", 2011): each
 * coordinate's step shrinks with the sum of its squared gradients,
 *
 *     G_t = G_{t−1} + g²   (G_0 = initialAccumulatorValue)
 *     u = −α·g / √(G_t + ε)
 * @example
 * const opt = optim.adagrad(1, { initialAccumulatorValue: 0, eps: 0 })
 * opt.update({ w: tensor([4, -2]) }, opt.init({ w: tensor([0, 0]) }))[0] // => { "w": [-1, 1] }
 */
export function adagrad(learningRate: ScalarOrSchedule, options: AdagradOptions = {}): GradientTransformation<AdagradState> {
  const op = 'optim.adagrad';
  checkLearningRate(op, learningRate);
  return chain(scaleByRss(settle(op, options, RSS_DEFAULTS, RSS_RULES)), scaleByLearningRate(learningRate));
}

export interface RmspropOptions extends ScaleByRmsOptions {
  /** Divide by the standard deviation (subtract the squared mean) instead of the root mean square (default false). */
  readonly centered?: boolean;
  /** Momentum applied after the learning rate, as optax does; none by default. */
  readonly momentum?: number;
  /** Nesterov's momentum (default false). */
  readonly nesterov?: boolean;
}

/** The state of `rmsprop`: the squares' average (centered: and the mean), the learning rate's state, the momentum buffer. */
export type RmspropState = readonly [ScaleByRmsState | ScaleByStddevState, LearningRateState, EmptyState | TraceState];

/**
 * RMSProp (optax's `rmsprop`; Tieleman & Hinton, "Lecture 6.5 — RMSProp",
 * 2012; centered: Graves, "Generating sequences with recurrent neural
 * networks", 2013). With ρ the decay:
 *
 *     v_t = (1 − ρ)·g² + ρ·v_{t−1}                  (v_0 = initialScale)
 *     u = −α·g / √(v_t + ε)                          (epsInSqrt, the default)
 *     u = −α·g / (√v_t + ε)                          (epsInSqrt: false, as PyTorch)
 *     centered: m_t = (1 − ρ)·g + ρ·m_{t−1}, and v_t − m_t² replaces v_t
 *     momentum μ: m'_t = u + μ·m'_{t−1} is the update (Nesterov: u + μ·m'_t)
 *
 * `biasCorrection` divides v_t (and m_t) by 1 − ρᵗ. Note optax's ε placement
 * (inside the root) differs from PyTorch's.
 * @example
 * const opt = optim.rmsprop(0.1, { decay: 0.75, eps: 0 })
 * opt.update({ w: tensor([2, -8]) }, opt.init({ w: tensor([0, 0]) }))[0] // => { "w": [-0.2, 0.2] }
 */
export function rmsprop(learningRate: ScalarOrSchedule, options: RmspropOptions = {}): GradientTransformation<RmspropState> {
  const op = 'optim.rmsprop';
  checkLearningRate(op, learningRate);
  const o = settle(
    op,
    options,
    { ...RMS_DEFAULTS, centered: false, momentum: undefined as number | undefined, nesterov: false },
    { ...RMS_RULES, centered: flag, momentum: optional(rate), nesterov: flag },
  );
  const { decay, eps, initialScale, epsInSqrt, biasCorrection } = o;
  const rms = { decay, eps, initialScale, epsInSqrt, biasCorrection };
  return chain(
    o.centered ? scaleByStddev(rms) : scaleByRms(rms),
    scaleByLearningRate(learningRate),
    o.momentum === undefined ? identity() : trace({ decay: o.momentum, nesterov: o.nesterov }),
  );
}
