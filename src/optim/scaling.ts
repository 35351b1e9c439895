/**
 * Stateless and schedule-driven scalings: multiply by a constant or by a
 * schedule of the step count, add decayed weights, and clip (optax's
 * `scale`, `scale_by_learning_rate`, `scale_by_schedule`,
 * `add_decayed_weights`, `clip`, `clip_by_global_norm`).
 */

import { add, cast, div, less, maximum, minimum, mul, where } from '../ops/index.ts';
import { PuregradError } from '../tensor/errors.ts';
import { scalar } from '../tensor/create.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { Tree, TreeDef } from '../tree/index.ts';
import { countLeaves, flatten, leafPath, map, showStructure, unflatten } from '../tree/index.ts';
import type { EmptyState, GradientTransformation, Params, ScalarOrSchedule, Schedule } from './base.ts';
import { checkStructure, mapWith, needParams, stateless, transformation } from './base.ts';
import { globalNorm, safeIncrement } from './numerics.ts';
import type { Mask } from './options.ts';
import { checkLearningRate, finite, flag, mask as maskCheck, nonNegative, positive, settle } from './options.ts';

/** The state of `scaleBySchedule`: how many updates have been made. */
export interface ScaleByScheduleState {
  readonly count: Tensor;
}

/** The state of `scaleByLearningRate`: empty for a fixed rate, a step count for a schedule. */
export type LearningRateState = EmptyState | ScaleByScheduleState;

/**
 * u ← step · u, for a fixed number `step` (optax's `scale`).
 * @example
 * const opt = optim.scale(-2)
 * opt.update({ w: tensor([1, 3]) }, opt.init({ w: tensor([0, 0]) }))[0] // => { "w": [-2, -6] }
 */
export function scale(step: number): GradientTransformation<EmptyState> {
  finite('optim.scale', 'step', step);
  return stateless((updates) => map((g: Tensor) => mul(step, g), updates));
}

/**
 * u ← s(t) · u with s a schedule of the step count t = 0, 1, 2, … kept in the
 * state (optax's `scale_by_schedule`). The schedule's value is cast to each
 * update's dtype before multiplying.
 * @example
 * const opt = optim.scaleBySchedule((t) => add(tensor(t, { dtype: 'float64' }), 1))
 * const s0 = opt.init({ w: tensor([1]) })
 * const [u0, s1] = opt.update({ w: tensor([1]) }, s0)
 * const [u1] = opt.update({ w: tensor([1]) }, s1)
 * [u0, u1, s1.count] // => [{ "w": [1] }, { "w": [2] }, 1]
 */
export function scaleBySchedule(schedule: Schedule): GradientTransformation<ScaleByScheduleState> {
  const op = 'optim.scaleBySchedule';
  if (typeof schedule !== 'function') throw new PuregradError(op, 'needs a schedule: a function from the step count to a scalar tensor');
  return transformation(
    () => Object.freeze({ count: scalar(0, 'int32') }),
    (updates, state) => {
      const step = schedule(state.count);
      if (!(step instanceof Tensor) || step.rank !== 0) {
        const got = step instanceof Tensor ? `shape [${step.shape}]` : typeof step;
        throw new PuregradError(op, `the schedule must return a scalar tensor, got ${got}`);
      }
      const scaled = map((g: Tensor) => mul(cast(step, g.dtype), g), updates);
      return [scaled, Object.freeze({ count: safeIncrement(state.count) })];
    },
  );
}

/**
 * u ← −lr · u (or +lr · u with `flipSign: false`), where lr is a number or a
 * schedule (optax's `scale_by_learning_rate`). Every alias ends with it.
 * @example
 * const opt = optim.scaleByLearningRate(0.1)
 * opt.update({ w: tensor([1, 2]) }, opt.init({ w: tensor([0, 0]) }))[0] // => { "w": [-0.1, -0.2] }
 */
export function scaleByLearningRate(
  learningRate: ScalarOrSchedule,
  options: { readonly flipSign?: boolean } = {},
): GradientTransformation<LearningRateState> {
  const op = 'optim.scaleByLearningRate';
  checkLearningRate(op, learningRate);
  const { flipSign } = settle(op, options, { flipSign: true }, { flipSign: flag });
  const m = flipSign ? -1 : 1;
  if (typeof learningRate === 'function') return scaleBySchedule((count) => mul(m, learningRate(count)));
  return scale(m * learningRate);
}

/** For each leaf of `updates`, whether the mask selects it (a boolean in the mask covers its whole subtree). */
function expandMask(op: string, mask: Tree<boolean>, updates: Params): boolean[] {
  const [bits, maskDef] = flatten(mask);
  const bad = bits.findIndex((b) => typeof b !== 'boolean');
  if (bad >= 0) {
    throw new PuregradError(op, `the mask must be a tree of booleans; ${leafPath(maskDef, bad, 'mask')} is a ${typeof bits[bad]} ` +
      '(a mask function must return true or false for each leaf or subtree, not a tensor or a number)');
  }
  const updDef = flatten(updates)[1];
  const out: boolean[] = [];
  let next = 0;
  const mismatch = (): never => {
    throw new PuregradError(op, `the mask has structure ${showStructure(maskDef)}, which is neither the ` +
      `updates' structure ${showStructure(updDef)} nor a prefix of it`);
  };
  const walk = (m: TreeDef, u: TreeDef): void => {
    if (m.kind === 'leaf') {
      const bit = bits[next++]!;
      for (let i = countLeaves(u); i > 0; i--) out.push(bit);
      return;
    }
    if (m.kind === 'none') return void (u.kind === 'none' || mismatch());
    if (u.kind !== m.kind || u.children.length !== m.children.length) return mismatch();
    if (m.kind === 'object' && u.kind === 'object' && m.keys.some((k, i) => k !== u.keys[i])) return mismatch();
    m.children.forEach((c, i) => walk(c, (u as typeof m).children[i]!));
  };
  walk(maskDef, updDef);
  return out;
}

/**
 * u ← u + λ·p: weight decay added to the updates, before the learning rate
 * scales them (optax's `add_decayed_weights`). With a `mask` (a tree of
 * booleans of the params' structure or a prefix of it, or a function of the
 * updates returning one, as optax calls it), only the selected leaves decay;
 * the others pass through. Needs `params`.
 * @example
 * const opt = optim.addDecayedWeights(0.5, { w: true, b: false })
 * const params = { w: tensor([2]), b: tensor([2]) }
 * opt.update({ w: tensor([1]), b: tensor([1]) }, opt.init(params), params)[0] // => { "b": [1], "w": [2] }
 */
export function addDecayedWeights(weightDecay = 0, mask?: Mask): GradientTransformation<EmptyState> {
  const op = 'optim.addDecayedWeights';
  const defaults = { weightDecay: 0, mask: undefined as Mask | undefined };
  const o = settle(op, { weightDecay, mask }, defaults, { weightDecay: nonNegative, mask: maskCheck });
  const decay = (g: Tensor, p: Tensor | undefined): Tensor => add(g, mul(o.weightDecay, p!));
  return stateless((updates, params) => {
    const ps = needParams(op, params);
    if (o.mask === undefined) return mapWith(op, decay, updates, ['params', ps]);
    const selected = expandMask(op, typeof o.mask === 'function' ? o.mask(updates) : o.mask, updates);
    checkStructure(op, updates, ['params', ps]);
    const [us, def] = flatten(updates);
    const pLeaves = flatten(ps)[0];
    return unflatten(def, us.map((g, i) => (selected[i] ? decay(g!, pLeaves[i]) : g))) as Params;
  });
}

/**
 * Clip each update element to [−maxDelta, maxDelta] (optax's `clip`).
 * @example
 * const opt = optim.clip(1)
 * opt.update({ w: tensor([-3, 0.5, 2]) }, opt.init({ w: tensor([0, 0, 0]) }))[0] // => { "w": [-1, 0.5, 1] }
 */
export function clip(maxDelta: number): GradientTransformation<EmptyState> {
  nonNegative('optim.clip', 'maxDelta', maxDelta);
  return stateless((updates) => map((g: Tensor) => minimum(maximum(g, -maxDelta), maxDelta), updates));
}

/**
 * If the global norm ‖u‖ = √(Σ over all leaves of Σ u²) reaches `maxNorm`,
 * rescale every leaf to u · maxNorm / ‖u‖; otherwise leave the updates as they
 * are (optax's `clip_by_global_norm`; Pascanu et al., "On the difficulty of
 * training recurrent neural networks", 2013).
 * @example
 * const opt = optim.clipByGlobalNorm(1)
 * const g = { a: tensor([3]), b: tensor([4]) }
 * opt.update(g, opt.init(g))[0] // => { "a": [0.6], "b": [0.8] }
 */
export function clipByGlobalNorm(maxNorm: number): GradientTransformation<EmptyState> {
  // > 0, where optax takes 0 too: with 0, a zero gradient would become 0/0 = NaN
  positive('optim.clipByGlobalNorm', 'maxNorm', maxNorm);
  return stateless((updates) => {
    const n = globalNorm(updates);
    if (n === undefined) return updates;
    const keep = less(n, maxNorm);
    return map((g: Tensor) => where(keep, g, mul(div(g, cast(n, g.dtype)), maxNorm)), updates);
  });
}
