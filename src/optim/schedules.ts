/**
 * Schedules: functions from the step count to a value, usually a learning
 * rate, after optax's `schedules`. They are written with tensor ops (`where`,
 * `cos`, `minimum`, …), so they run under `jit` and `vmap` with a traced
 * count. One deliberate difference from optax: the arithmetic is done in
 * float64 and the result is a float64 scalar (cast to each update's dtype when
 * it scales updates), where optax computes in float32 unless 64-bit mode is on;
 * so a float64 model sees the exact schedule, and a float32 model the exact
 * value rounded once.
 */

import { add, cast, cos, div, greater, lessEqual, maximum, minimum, mul, pow, sign, sub, where } from '../ops/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import { scalar } from '../tensor/create.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Check } from './options.ts';
import { finite, flag, nonNegative, optional, settle, steps } from './options.ts';

/** The count as float64: schedules accept an int32 tensor (as optimizers pass it) or a plain number. */
const f64 = (count: Tensor | number): Tensor =>
  count instanceof Tensor ? cast(count, 'float64') : scalar(count, 'float64');

const integer: Check = (op, name, v) => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
    throw new PuregradError(op, `${name} must be an integer, got ${String(v)}`);
  }
};

/** A placeholder default for a required option: `undefined`, which its check refuses. */
const required = <T>(): T => undefined as T;
const N = required<number>();

/** What schedules return: a function of the step count (an int32 tensor, or a number). */
export type CountSchedule = (count: Tensor | number) => Tensor;

/**
 * The same value at every step (optax's `constant_schedule`).
 * @example
 * optim.constantSchedule(0.1)(scalar(7, 'int32')) // => 0.1
 */
export function constantSchedule(value: number): CountSchedule {
  finite('optim.constantSchedule', 'value', value);
  return () => scalar(value, 'float64');
}

export interface LinearScheduleOptions {
  readonly initValue: number;
  readonly endValue: number;
  /** Steps to go from `initValue` to `endValue`; at most 0 holds `initValue` for ever (as optax). */
  readonly transitionSteps: number;
  /** Steps to hold `initValue` before the transition (default 0). */
  readonly transitionBegin?: number;
}

/**
 * From `initValue` to `endValue` linearly over `transitionSteps`, starting at
 * `transitionBegin` (optax's `linear_schedule`): with c = clip(t − B, 0, T),
 * value = (I − E)·(1 − c/T) + E.
 * @example
 * const s = optim.linearSchedule({ initValue: 1, endValue: 0, transitionSteps: 4 })
 * [0, 1, 4, 9].map((t) => s(t).item()) // => [1, 0.75, 0, 0]
 */
export function linearSchedule(options: LinearScheduleOptions): CountSchedule {
  const op = 'optim.linearSchedule';
  const o = settle(op, options, { initValue: N, endValue: N, transitionSteps: N, transitionBegin: 0 },
    { initValue: finite, endValue: finite, transitionSteps: integer, transitionBegin: steps });
  if (o.transitionSteps <= 0) return constantSchedule(o.initValue);
  return (count) => {
    const c = minimum(maximum(sub(f64(count), o.transitionBegin), 0), o.transitionSteps);
    return add(mul(o.initValue - o.endValue, sub(1, div(c, o.transitionSteps))), o.endValue);
  };
}

export interface ExponentialDecayOptions {
  readonly initValue: number;
  /** Steps per factor of `decayRate`; at most 0 holds `initValue` for ever (as optax). */
  readonly transitionSteps: number;
  /** The factor per `transitionSteps` steps; 0 holds `initValue` for ever (as optax). */
  readonly decayRate: number;
  /** Steps to hold `initValue` before decaying (default 0). */
  readonly transitionBegin?: number;
  /** Decay in whole periods, a staircase (default false). */
  readonly staircase?: boolean;
  /** A bound the value does not pass: a floor when `decayRate` < 1, else a ceiling. */
  readonly endValue?: number;
}

/**
 * Exponential decay (optax's `exponential_decay`): with p = (t − B)/T (rounded
 * down if `staircase`), value = I·rᵖ for t > B and I before, bounded by
 * `endValue` if given.
 * @example
 * const s = optim.exponentialDecay({ initValue: 1, transitionSteps: 2, decayRate: 0.5, staircase: true })
 * [0, 1, 2, 3, 4].map((t) => s(t).item()) // => [1, 1, 0.5, 0.5, 0.25]
 */
export function exponentialDecay(options: ExponentialDecayOptions): CountSchedule {
  const op = 'optim.exponentialDecay';
  const o = settle(
    op,
    options,
    { initValue: N, transitionSteps: N, decayRate: N, transitionBegin: 0, staircase: false, endValue: N as number | undefined },
    {
      initValue: finite,
      transitionSteps: integer,
      decayRate: nonNegative,
      transitionBegin: steps,
      staircase: flag,
      endValue: optional(finite),
    },
  );
  if (o.transitionSteps <= 0 || o.decayRate === 0) return constantSchedule(o.initValue);
  return (count) => {
    const decreased = sub(f64(count), o.transitionBegin);
    const ratio = div(decreased, o.transitionSteps);
    // Flooring by truncation: where the ratio is negative the value is initValue anyway.
    const p = o.staircase ? cast(cast(ratio, 'int32'), 'float64') : ratio;
    const decayed = where(lessEqual(decreased, 0), o.initValue, mul(o.initValue, pow(o.decayRate, p)));
    if (o.endValue === undefined) return decayed;
    return o.decayRate < 1 ? maximum(decayed, o.endValue) : minimum(decayed, o.endValue);
  };
}

export interface CosineDecayScheduleOptions {
  readonly initValue: number;
  /** Steps of the decay, > 0. */
  readonly decaySteps: number;
  /** The final value as a fraction of `initValue` (default 0). */
  readonly alpha?: number;
  /** The power of the cosine factor (default 1). */
  readonly exponent?: number;
}

/**
 * Cosine decay (optax's `cosine_decay_schedule`; Loshchilov & Hutter, "SGDR:
 * stochastic gradient descent with warm restarts", 2017): with
 * c = min(t, T), value = I·((1 − α)·(½(1 + cos(πc/T)))ᵖ + α).
 * @example
 * const s = optim.cosineDecaySchedule({ initValue: 2, decaySteps: 4 })
 * [0, 2, 4, 6].map((t) => s(t).item()) // => [2, 1, 0, 0]
 */
export function cosineDecaySchedule(options: CosineDecayScheduleOptions): CountSchedule {
  const op = 'optim.cosineDecaySchedule';
  const o = settle(op, options, { initValue: N, decaySteps: N, alpha: 0, exponent: 1 },
    { initValue: finite, decaySteps: integer, alpha: finite, exponent: finite });
  if (o.decaySteps <= 0) throw new PuregradError(op, `decaySteps must be positive, got ${o.decaySteps}`);
  return (count) => {
    const c = minimum(f64(count), o.decaySteps);
    const cosine = mul(0.5, add(1, cos(div(mul(Math.PI, c), o.decaySteps))));
    return mul(o.initValue, add(mul(1 - o.alpha, pow(cosine, o.exponent)), o.alpha));
  };
}

export interface WarmupCosineDecayScheduleOptions {
  readonly initValue: number;
  readonly peakValue: number;
  /** Steps of the linear warmup from `initValue` to `peakValue`. */
  readonly warmupSteps: number;
  /** Total steps, warmup included; the cosine decay takes `decaySteps − warmupSteps`. */
  readonly decaySteps: number;
  /** The final value (default 0). */
  readonly endValue?: number;
  /** The power of the cosine factor (default 1). */
  readonly exponent?: number;
}

/**
 * Linear warmup from `initValue` to `peakValue`, then cosine decay to
 * `endValue` (optax's `warmup_cosine_decay_schedule`): the two schedules
 * joined at `warmupSteps`, the second seeing t − warmupSteps.
 * @example
 * const s = optim.warmupCosineDecaySchedule({ initValue: 0, peakValue: 1, warmupSteps: 2, decaySteps: 6 })
 * [0, 1, 2, 4, 6, 9].map((t) => s(t).item()) // => [0, 0.5, 1, 0.5, 0, 0]
 */
export function warmupCosineDecaySchedule(options: WarmupCosineDecayScheduleOptions): CountSchedule {
  const op = 'optim.warmupCosineDecaySchedule';
  const o = settle(
    op,
    options,
    { initValue: N, peakValue: N, warmupSteps: N, decaySteps: N, endValue: 0, exponent: 1 },
    { initValue: finite, peakValue: finite, warmupSteps: steps, decaySteps: steps, endValue: finite, exponent: finite },
  );
  if (o.decaySteps <= o.warmupSteps) {
    throw new PuregradError(op, `decaySteps (${o.decaySteps}) must exceed warmupSteps (${o.warmupSteps}): it counts the warmup too`);
  }
  const alpha = o.peakValue === 0 ? 0 : o.endValue / o.peakValue;
  const warmup = linearSchedule({ initValue: o.initValue, endValue: o.peakValue, transitionSteps: o.warmupSteps });
  const decaySteps = o.decaySteps - o.warmupSteps;
  const decay = cosineDecaySchedule({ initValue: o.peakValue, decaySteps, alpha, exponent: o.exponent });
  return (count) => {
    const t = f64(count);
    return where(greater(o.warmupSteps, t), warmup(t), decay(sub(t, o.warmupSteps)));
  };
}

export interface PiecewiseConstantScheduleOptions {
  readonly initValue: number;
  /** `{ step: scale }`: from each step on, the value is multiplied by its scale (≥ 0). */
  readonly boundariesAndScales?: Readonly<Record<number, number>>;
}

/**
 * `initValue` times the product of the scales of all boundaries b ≤ t
 * (optax's `piecewise_constant_schedule`).
 * @example
 * const s = optim.piecewiseConstantSchedule({ initValue: 1, boundariesAndScales: { 2: 0.5, 4: 0.1 } })
 * [0, 1, 2, 3, 4, 5].map((t) => s(t).item()) // => [1, 1, 0.5, 0.5, 0.05, 0.05]
 */
export function piecewiseConstantSchedule(options: PiecewiseConstantScheduleOptions): CountSchedule {
  const op = 'optim.piecewiseConstantSchedule';
  const o = settle(op, options, { initValue: N, boundariesAndScales: {} as Readonly<Record<number, number>> }, {
    initValue: finite,
    boundariesAndScales: (_op, name, v) => {
      if (typeof v !== 'object' || v === null) throw new PuregradError(op, `${name} must be an object { step: scale }`);
    },
  });
  const pieces = Object.entries(o.boundariesAndScales)
    .map(([k, v]) => [Number(k), v] as const)
    .sort((a, b) => a[0] - b[0]);
  for (const [step, scale] of pieces) {
    integer(op, 'each boundary', step);
    nonNegative(op, `the scale at step ${step}`, scale);
  }
  return (count) => {
    const t = f64(count);
    let v: Tensor = scalar(o.initValue, 'float64');
    for (const [step, scale] of pieces) {
      const indicator = maximum(0, sign(sub(step, t)));
      v = add(mul(v, indicator), mul(mul(sub(1, indicator), scale), v));
    }
    return v;
  };
}
