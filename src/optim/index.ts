/**
 * `optim`: optimizers as pure state transitions, after optax. Building blocks
 * (`scale`, `trace`, `scaleByAdam`, …) compose with `chain` into the named
 * optimizers (`sgd`, `adam`, `adamw`, …); schedules give learning rates that
 * change with the step count. See docs/optimizers.md.
 */

export { applyUpdates, identity } from './base.ts';
export type { EmptyState, GradientTransformation, Params, ScalarOrSchedule, Schedule } from './base.ts';
export { chain, monoid } from './combine.ts';
export type { ChainState, Monoid, StateOf } from './combine.ts';
export { addDecayedWeights, clip, clipByGlobalNorm, scale, scaleByLearningRate, scaleBySchedule } from './scaling.ts';
export type { LearningRateState, ScaleByScheduleState } from './scaling.ts';
export type { Mask } from './options.ts';
export { scaleByAdam, scaleByRms, scaleByRss, scaleByStddev, trace } from './moments.ts';
export type {
  ScaleByAdamOptions,
  ScaleByAdamState,
  ScaleByRmsOptions,
  ScaleByRmsState,
  ScaleByRssOptions,
  ScaleByRssState,
  ScaleByStddevState,
  TraceOptions,
  TraceState,
} from './moments.ts';
export { adagrad, rmsprop, sgd } from './alias.ts';
export type { AdagradOptions, AdagradState, RmspropOptions, RmspropState, SgdOptions, SgdState } from './alias.ts';
export { adam, adamw, lamb, scaleByTrustRatio } from './adam.ts';
export type { AdamState, AdamwOptions, AdamwState, LambOptions, LambState, ScaleByTrustRatioOptions } from './adam.ts';
export { lion, scaleByLion } from './lion.ts';
export type { LionOptions, LionState, ScaleByLionOptions, ScaleByLionState } from './lion.ts';
export {
  constantSchedule,
  cosineDecaySchedule,
  exponentialDecay,
  linearSchedule,
  piecewiseConstantSchedule,
  warmupCosineDecaySchedule,
} from './schedules.ts';
export type {
  CountSchedule,
  CosineDecayScheduleOptions,
  ExponentialDecayOptions,
  LinearScheduleOptions,
  PiecewiseConstantScheduleOptions,
  WarmupCosineDecayScheduleOptions,
} from './schedules.ts';
