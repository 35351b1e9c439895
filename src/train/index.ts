/**
 * `train`: training as a fold of one jitted step over batches. `step` builds
 * the step (loss, gradient, optimizer update, new parameters), `fit` runs it
 * over epochs and returns the parameters with a history of every step and
 * epoch, and `evaluate` averages losses and metrics over a dataset. Same key,
 * data and options, same history, bit for bit. See docs/training.md.
 */

export { step } from './step.ts';
export type { BatchFn, Step } from './step.ts';
export { fit } from './fit.ts';
export { evaluate } from './evaluate.ts';
export type { EvaluateOptions, Metrics } from './evaluate.ts';
export type { EarlyStoppingOptions } from './early-stopping.ts';
export type { EpochRecord, FitOptions, FitResult, History, StepProgress, StepRecord } from './types.ts';
