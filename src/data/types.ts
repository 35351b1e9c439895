/**
 * The two types the data pipeline speaks: a `Dataset` (inputs and targets,
 * one example per row of axis 0) and a `BatchSize` (how many examples one
 * training step sees).
 */

import type { Tensor } from '../tensor/tensor.ts';

/**
 * A labelled dataset: inputs `x` and targets `y`, one example per entry of
 * axis 0 of both (so `x.shape[0] === y.shape[0]`). Plain data: any object
 * with these two tensors is one.
 * @example
 * const ds: data.Dataset = { x: tensor([[0, 1], [1, 0]]), y: tensor([1, 0], { dtype: 'int32' }) }
 * data.size(ds) // => 2
 */
export interface Dataset {
  readonly x: Tensor;
  readonly y: Tensor;
}

/**
 * How many examples a step sees: `'full'` (the whole set, one step an epoch:
 * full-batch gradient descent), a number `n` (mini-batches of `n`), or `1`
 * (one example at a time: per-sample, "online" SGD).
 * @example
 * const sizes: data.BatchSize[] = ['full', 32, 1]
 * sizes.length // => 3
 */
export type BatchSize = 'full' | number;
