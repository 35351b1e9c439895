/**
 * What `train.fit` takes and what it gives back: the options of a run, and
 * its history — one record per step and one per epoch — which is plain frozen
 * data, the same bit for bit for the same key, data and options.
 */

import type { BatchSize, Dataset } from '../data/types.ts';
import type { GradientTransformation } from '../optim/index.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { EarlyStoppingOptions } from './early-stopping.ts';
import type { Metrics } from './evaluate.ts';

/**
 * A training run: the starting parameters, the loss, the optimizer, the data
 * and how to walk through it. Only `key`, `params`, `loss`, `optimizer`,
 * `data` and `epochs` are required.
 * @example
 * const options: FitOptions<{ w: Tensor }, unknown> = {
 *   key: random.key(0), params: { w: tensor(0) }, optimizer: optim.sgd(0.1), epochs: 2,
 *   data: { x: tensor([[1], [2]]), y: tensor([2, 4]) },
 *   loss: (p, b) => nn.mse(mul(b.x.reshape([-1]), p.w), b.y),
 * }
 * train.fit(options).history.steps.length // => 2
 */
export interface FitOptions<P, S> {
  /** Drives the shuffling: epoch e's order comes from `random.foldIn(key, e)`. */
  readonly key: Tensor;
  /** The starting parameters, a tree of float tensors. */
  readonly params: P;
  /** The loss on a batch: a scalar tensor, the mean over the batch's examples. */
  readonly loss: (params: P, batch: Dataset) => Tensor;
  /** How the gradients become updates, e.g. `optim.adam(1e-3)`; its state starts from `optimizer.init(params)`. */
  readonly optimizer: GradientTransformation<S>;
  /** The training examples. */
  readonly data: Dataset;
  /** How many passes over `data` (a positive integer). */
  readonly epochs: number;
  /** `'full'` (default: one step per epoch on all of `data`), a mini-batch size `n`, or `1` (one example per step). */
  readonly batchSize?: BatchSize;
  /** Reshuffle `data` each epoch (default true). */
  readonly shuffle?: boolean;
  /** Skip each epoch's last batch when it is short (default false). */
  readonly dropLast?: boolean;
  /**
   * Named per-batch means (e.g. accuracy), evaluated at each epoch's end on `data` and `validation`, with `loss`.
   * Like the loss, they run compiled (under `jit`), so they cannot read values with `item()`.
   */
  readonly metrics?: Metrics<P>;
  /** Held-out examples, evaluated at each epoch's end; early stopping watches their loss. */
  readonly validation?: Dataset;
  /** Stop when the validation loss (else the training loss) stops improving. */
  readonly earlyStopping?: EarlyStoppingOptions;
  /** Called after every step, with wall-clock time: for progress bars. */
  readonly onStep?: (progress: StepProgress) => void;
  /** Called after every epoch with its record. */
  readonly onEpoch?: (record: EpochRecord) => void;
}

/**
 * One training step: its epoch (from 0), its number counted from 0 over the
 * whole run, and the loss on its batch before the update.
 * @example
 * const r: StepRecord = { epoch: 0, step: 0, loss: 0.69 }
 * r.step // => 0
 */
export interface StepRecord {
  readonly epoch: number;
  readonly step: number;
  readonly loss: number;
}

/**
 * What `onStep` receives: the step's record, where it stands in the run, and
 * the milliseconds since `fit` started (the only wall-clock value; it is not
 * kept in the history, which stays deterministic).
 * @example
 * let last: StepProgress | undefined
 * train.fit({ key: random.key(0), params: { w: tensor(0) }, optimizer: optim.sgd(0.1), epochs: 3,
 *   data: { x: tensor([1, 2]), y: tensor([2, 4]) }, loss: (p, b) => nn.mse(mul(b.x, p.w), b.y),
 *   onStep: (p) => { last = p } })
 * [last!.step, last!.stepsPerEpoch, last!.totalSteps] // => [2, 1, 3]
 */
export interface StepProgress extends StepRecord {
  /** Steps in each epoch: 1 for a full batch, ⌈N/n⌉ (⌊N/n⌋ with dropLast) for batches of n. */
  readonly stepsPerEpoch: number;
  /** stepsPerEpoch × epochs: the most the run can take (early stopping may end it sooner). */
  readonly totalSteps: number;
  /** Milliseconds since `fit` started. */
  readonly elapsedMs: number;
}

/**
 * One epoch: the mean of its step losses, then, at its end, the loss and
 * metrics over the whole training set and (when given) the validation set.
 * @example
 * const e: EpochRecord = { epoch: 0, loss: 0.7, metrics: { loss: 0.65, accuracy: 0.5 } }
 * e.metrics.accuracy // => 0.5
 */
export interface EpochRecord {
  readonly epoch: number;
  readonly loss: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly validation?: Readonly<Record<string, number>>;
}

/**
 * A run's record: every step, every epoch, and whether early stopping ended
 * it before `epochs`.
 * @example
 * const h = train.fit({ key: random.key(0), params: { w: tensor(0) }, optimizer: optim.sgd(0.1), epochs: 2,
 *   data: { x: tensor([1, 2]), y: tensor([2, 4]) }, loss: (p, b) => nn.mse(mul(b.x, p.w), b.y) }).history
 * h.steps.map((s) => s.loss) // => [10, 2.5]
 * h.stoppedEarly // => false
 */
export interface History {
  readonly steps: readonly StepRecord[];
  readonly epochs: readonly EpochRecord[];
  readonly stoppedEarly: boolean;
}

/**
 * What `train.fit` returns: the trained parameters, the optimizer's final
 * state (to continue training) and the history.
 * @example
 * const r: FitResult<{ w: Tensor }, unknown> = train.fit({ key: random.key(0), params: { w: tensor(0) },
 *   optimizer: optim.sgd(0.1), epochs: 2, data: { x: tensor([1, 2]), y: tensor([2, 4]) },
 *   loss: (p, b) => nn.mse(mul(b.x, p.w), b.y) })
 * r.params.w // => 1.5
 */
export interface FitResult<P, S> {
  readonly params: P;
  readonly state: S;
  readonly history: History;
}
