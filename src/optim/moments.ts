/**
 * Transformations that keep moving averages of the gradients in their state:
 * momentum (`trace`), Adam's bias-corrected moments, RMSProp's mean square
 * (plain or centered) and Adagrad's running sum of squares. Each follows the
 * optax function of the same name, with its defaults and the same placement
 * of ε; optax's `rsqrt(x)` is computed as 1/√x.
 */

import { add, div, greater, mul, sqrt, sub, where } from '../ops/index.ts';
import { scalar } from '../tensor/create.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { map } from '../tree/index.ts';
import type { GradientTransformation, Params } from './base.ts';
import { checkParams, fullLike, mapWith, transformation } from './base.ts';
import { biasCorrection, firstMoment, safeIncrement, secondMoment } from './numerics.ts';
import type { Rules } from './options.ts';
import { flag, nonNegative, rate, settle } from './options.ts';

/** The state of `trace`: the momentum buffer. */
export interface TraceState {
  readonly trace: Params;
}

export interface TraceOptions {
  /** The decay μ of the momentum buffer, in [0, 1). */
  readonly decay: number;
  /** Nesterov's momentum (default false). */
  readonly nesterov?: boolean;
}

/**
 * Momentum (optax's `trace`): m_t = g_t + μ·m_{t−1}, and the update is m_t, or
 * g_t + μ·m_t with Nesterov's momentum (Sutskever et al., "On the importance
 * of initialization and momentum in deep learning", 2013).
 * @example
 * const opt = optim.trace({ decay: 0.5 })
 * const s0 = opt.init({ w: tensor([0]) })
 * const [u1, s1] = opt.update({ w: tensor([1]) }, s0)
 * opt.update({ w: tensor([1]) }, s1)[0] // => { "w": [1.5] }
 */
export function trace(options: TraceOptions): GradientTransformation<TraceState> {
  const op = 'optim.trace';
  const defaults = { decay: undefined as unknown as number, nesterov: false };
  const { decay, nesterov } = settle(op, options, defaults, { decay: rate, nesterov: flag });
  return transformation(
    (params) => (checkParams(op, params), Object.freeze({ trace: fullLike(params, 0) })),
    (updates, state) => {
      const next = mapWith(op, (g, t) => add(g, mul(decay, t!)), updates, ['state', state.trace]);
      const out = nesterov ? map((g: Tensor, t: Tensor) => add(g, mul(decay, t)), updates, next) : next;
      return [out, Object.freeze({ trace: next })];
    },
  );
}

/** The state of `scaleByAdam`: the step count and the two moment estimates. */
export interface ScaleByAdamState {
  readonly count: Tensor;
  readonly mu: Params;
  readonly nu: Params;
}

export interface ScaleByAdamOptions {
  /** Decay of the first moment (default 0.9). */
  readonly b1?: number;
  /** Decay of the second moment (default 0.999). */
  readonly b2?: number;
  /** Added to √v̂, outside the root (default 1e-8). */
  readonly eps?: number;
  /** Added to v̂ inside the root (default 0); needed to differentiate through the update. */
  readonly epsRoot?: number;
  /** Nesterov's momentum, as in NAdam (default false). */
  readonly nesterov?: boolean;
}

export const ADAM_DEFAULTS: Required<ScaleByAdamOptions> = Object.freeze({
  b1: 0.9,
  b2: 0.999,
  eps: 1e-8,
  epsRoot: 0,
  nesterov: false,
});
export const ADAM_RULES: Rules<ScaleByAdamOptions> = Object.freeze({ b1: rate, b2: rate, eps: nonNegative, epsRoot: nonNegative, nesterov: flag });

/**
 * Adam's rescaling (optax's `scale_by_adam`; Kingma & Ba, "Adam: a method for
 * stochastic optimization", 2015). With t the step count, incremented first:
 *
 *     m_t = (1 − β₁)·g + β₁·m_{t−1}        v_t = (1 − β₂)·g² + β₂·v_{t−1}
 *     m̂ = m_t / (1 − β₁ᵗ)                  v̂ = v_t / (1 − β₂ᵗ)
 *     u = m̂ / (√(v̂ + ε_root) + ε)
 *
 * With `nesterov` (Dozat, "Incorporating Nesterov momentum into Adam", 2016),
 * m̂ = β₁·m_t / (1 − β₁ᵗ⁺¹) + (1 − β₁)·g / (1 − β₁ᵗ).
 * @example
 * const opt = optim.scaleByAdam()
 * const w = tensor([0, 0], { dtype: 'float64' })
 * const [u] = opt.update({ w: tensor([3, -0.5], { dtype: 'float64' }) }, opt.init({ w }))
 * u // => { "w": [1, -1] }
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  const op = 'optim.scaleByAdam';
  const { b1, b2, eps, epsRoot, nesterov } = settle(op, options, ADAM_DEFAULTS, ADAM_RULES);
  return transformation(
    (params) => {
      checkParams(op, params);
      return Object.freeze({ count: scalar(0, 'int32'), mu: fullLike(params, 0), nu: fullLike(params, 0) });
    },
    (updates, state) => {
      const mu = mapWith(op, (g, m) => firstMoment(g, m!, b1), updates, ['state', state.mu]);
      const nu = mapWith(op, (g, v) => secondMoment(g, v!, b2), updates, ['state', state.nu]);
      const count = safeIncrement(state.count);
      // Nesterov: β₁·m/(1 − β₁ᵗ⁺¹) + (1 − β₁)·g/(1 − β₁ᵗ)
      const nesterovMix = (m: Tensor, g: Tensor) => add(mul(b1, m), mul(1 - b1, g));
      const muHat = nesterov
        ? map(nesterovMix, biasCorrection(mu, b1, safeIncrement(count)), biasCorrection(updates, b1, count))
        : biasCorrection(mu, b1, count);
      const nuHat = biasCorrection(nu, b2, count);
      const out = map((m: Tensor, v: Tensor) => div(m, add(sqrt(add(v, epsRoot)), eps)), muHat, nuHat);
      return [out, Object.freeze({ count, mu, nu })];
    },
  );
}

/** The state of `scaleByRms`: the mean square, and the step count when bias-corrected. */
export interface ScaleByRmsState {
  readonly nu: Params;
  readonly count?: Tensor;
}

export interface ScaleByRmsOptions {
  /** Decay of the mean square (default 0.9). */
  readonly decay?: number;
  /** Added to the mean square (default 1e-8). */
  readonly eps?: number;
  /** The mean square's initial value (default 0; TF1 used 1). */
  readonly initialScale?: number;
  /** ε inside the root, 1/√(v + ε) (default true), or outside, 1/(√v + ε) as PyTorch does. */
  readonly epsInSqrt?: boolean;
  /** Divide the averages by 1 − decayᵗ (default false). */
  readonly biasCorrection?: boolean;
}

export const RMS_DEFAULTS: Required<ScaleByRmsOptions> = Object.freeze({
  decay: 0.9,
  eps: 1e-8,
  initialScale: 0,
  epsInSqrt: true,
  biasCorrection: false,
});
export const RMS_RULES: Rules<ScaleByRmsOptions> = Object.freeze({
  decay: rate,
  eps: nonNegative,
  initialScale: nonNegative,
  epsInSqrt: flag,
  biasCorrection: flag,
});

/** 1/√(v + ε) or 1/(√v + ε). */
const inverseRoot = (v: Tensor, eps: number, inSqrt: boolean): Tensor =>
  inSqrt ? div(1, sqrt(add(v, eps))) : div(1, add(sqrt(v), eps));

/**
 * RMSProp's rescaling (optax's `scale_by_rms`; Tieleman & Hinton, lecture 6.5,
 * 2012): v_t = (1 − ρ)·g² + ρ·v_{t−1} and u = g / √(v_t + ε), the ε inside the
 * root unless `epsInSqrt` is false; with `biasCorrection`, v_t / (1 − ρᵗ)
 * replaces v_t in the denominator.
 * @example
 * const opt = optim.scaleByRms({ decay: 0.75, eps: 0 })
 * opt.update({ w: tensor([2]) }, opt.init({ w: tensor([0]) }))[0] // => { "w": [2] }
 */
export function scaleByRms(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByRmsState> {
  const op = 'optim.scaleByRms';
  const o = settle(op, options, RMS_DEFAULTS, RMS_RULES);
  return transformation(
    (params) => {
      checkParams(op, params);
      const nu = fullLike(params, o.initialScale);
      return Object.freeze(o.biasCorrection ? { count: scalar(0, 'int32'), nu } : { nu });
    },
    (updates, state) => {
      const nu = mapWith(op, (g, v) => secondMoment(g, v!, o.decay), updates, ['state', state.nu]);
      const count = o.biasCorrection ? safeIncrement(state.count!) : undefined;
      const nuHat = count === undefined ? nu : biasCorrection(nu, o.decay, count);
      const out = map((g: Tensor, v: Tensor) => mul(inverseRoot(v, o.eps, o.epsInSqrt), g), updates, nuHat);
      return [out, Object.freeze(count === undefined ? { nu } : { count, nu })];
    },
  );
}

/** The state of `scaleByStddev`: mean and mean square, and the step count when bias-corrected. */
export interface ScaleByStddevState {
  readonly mu: Params;
  readonly nu: Params;
  readonly count?: Tensor;
}

/**
 * Centered RMSProp's rescaling (optax's `scale_by_stddev`; Graves,
 * "Generating sequences with recurrent neural networks", 2013): with
 * m_t = (1 − ρ)·g + ρ·m_{t−1} and v_t = (1 − ρ)·g² + ρ·v_{t−1}, the update is
 * g / √(v_t − m_t² + ε) (the ε outside the root if `epsInSqrt` is false;
 * both averages bias-corrected with `biasCorrection`).
 * @example
 * const opt = optim.scaleByStddev({ decay: 0.5, eps: 0 })
 * opt.update({ w: tensor([2]) }, opt.init({ w: tensor([0]) }))[0] // => { "w": [2] }
 */
export function scaleByStddev(options: ScaleByRmsOptions = {}): GradientTransformation<ScaleByStddevState> {
  const op = 'optim.scaleByStddev';
  const o = settle(op, options, RMS_DEFAULTS, RMS_RULES);
  return transformation(
    (params) => {
      checkParams(op, params);
      const [mu, nu] = [fullLike(params, 0), fullLike(params, o.initialScale)];
      return Object.freeze(o.biasCorrection ? { count: scalar(0, 'int32'), mu, nu } : { mu, nu });
    },
    (updates, state) => {
      const mu = mapWith(op, (g, m) => firstMoment(g, m!, o.decay), updates, ['state', state.mu]);
      const nu = mapWith(op, (g, v) => secondMoment(g, v!, o.decay), updates, ['state', state.nu]);
      const count = o.biasCorrection ? safeIncrement(state.count!) : undefined;
      const corrected = (t: Params) => (count === undefined ? t : biasCorrection(t, o.decay, count));
      const [muHat, nuHat] = [corrected(mu), corrected(nu)];
      const variance = map((m: Tensor, v: Tensor) => sub(v, mul(m, m)), muHat, nuHat);
      const out = map((g: Tensor, s: Tensor) => mul(inverseRoot(s, o.eps, o.epsInSqrt), g), updates, variance);
      return [out, Object.freeze(count === undefined ? { mu, nu } : { count, mu, nu })];
    },
  );
}

/** The state of `scaleByRss`: the running sum of squared gradients. */
export interface ScaleByRssState {
  readonly sumOfSquares: Params;
}

export interface ScaleByRssOptions {
  /** The sum's initial value (default 0.1). */
  readonly initialAccumulatorValue?: number;
  /** Added to the sum inside the root (default 1e-7). */
  readonly eps?: number;
}

export const RSS_DEFAULTS: Required<ScaleByRssOptions> = Object.freeze({ initialAccumulatorValue: 0.1, eps: 1e-7 });
export const RSS_RULES: Rules<ScaleByRssOptions> = Object.freeze({ initialAccumulatorValue: nonNegative, eps: nonNegative });

/**
 * Adagrad's rescaling (optax's `scale_by_rss`; Duchi, Hazan & Singer,
 * "Adaptive subgradient methods for online learning and stochastic
 * optimization", 2011): G_t = G_{t−1} + g², u = g / √(G_t + ε) where G_t > 0,
 * else 0.
 * @example
 * const opt = optim.scaleByRss({ initialAccumulatorValue: 0, eps: 0 })
 * opt.update({ w: tensor([-3, 0]) }, opt.init({ w: tensor([0, 0]) }))[0] // => { "w": [-1, 0] }
 */
export function scaleByRss(options: ScaleByRssOptions = {}): GradientTransformation<ScaleByRssState> {
  const op = 'optim.scaleByRss';
  const o = settle(op, options, RSS_DEFAULTS, RSS_RULES);
  return transformation(
    (params) => (checkParams(op, params), Object.freeze({ sumOfSquares: fullLike(params, o.initialAccumulatorValue) })),
    (updates, state) => {
      const sumOfSquares = mapWith(op, (g, t) => add(mul(g, g), t!), updates, ['state', state.sumOfSquares]);
      const inverse = (t: Tensor) => where(greater(t, 0), div(1, sqrt(add(t, o.eps))), 0);
      const out = map((g: Tensor, t: Tensor) => mul(inverse(t), g), updates, sumOfSquares);
      return [out, Object.freeze({ sumOfSquares })];
    },
  );
}
