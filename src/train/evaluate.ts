/**
 * Evaluation: the mean of some per-batch numbers (loss, accuracy) over a whole
 * dataset. The set is cut into batches so that memory stays bounded, each
 * function gives the mean over its batch, and the batch means are combined
 * weighted by the batch's size — so the result is the mean over all examples,
 * whatever the batch size (up to rounding), even with a short last batch.
 */

import { batch as cutBatches } from '../data/dataset.ts';
import { checkBatchSize, checkDataset, checkFunction, describeValue } from '../data/checks.ts';
import type { BatchSize, Dataset } from '../data/types.ts';
import { checkOptionKeys } from '../nn/options.ts';
import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { jit } from '../transforms/jit.ts';
import type { BatchFn } from './step.ts';

/** Named functions to evaluate, each `(params, batch) => scalar tensor`, the mean over the batch. */
export type Metrics<P> = Readonly<Record<string, BatchFn<P>>>;

/** Options of `train.evaluate`. */
export interface EvaluateOptions {
  /** Examples per evaluation batch: a number, or `'full'` for one batch of all; default 1024. */
  readonly batchSize?: BatchSize;
}

/** Evaluation batches hold at most this many examples unless told otherwise: memory stays bounded on big sets. */
export const EVALUATE_BATCH = 1024;

/** `fns` is a record of functions. @internal */
export function checkMetrics(op: string, fns: unknown, what: string): asserts fns is Metrics<unknown> {
  if (typeof fns !== 'object' || fns === null || Array.isArray(fns)) {
    throw new PuregradError(op, `${what} must be an object of named functions, ` +
      'such as { accuracy: (params, batch) => ... }, ' +
      `got ${describeValue(fns)}`);
  }
  for (const [name, f] of Object.entries(fns)) checkFunction(op, `${what}.${name}`, f, '(params, batch) => scalar tensor');
}

/** The values of `fns` on one batch, each checked to be a scalar. */
function onBatch<P>(op: string, fns: Metrics<P>, params: P, b: Dataset): Readonly<Record<string, Tensor>> {
  const out: Record<string, Tensor> = {};
  for (const [name, f] of Object.entries(fns)) {
    const v = f(params, b);
    if (!(v instanceof Tensor) || v.rank !== 0) {
      const got = v instanceof Tensor ? `a tensor of shape ${showShape(v.shape)}` : describeValue(v);
      throw new PuregradError(op, `'${name}' must return a scalar tensor, the mean over the batch, got ${got}; ` +
        'reduce it with mean(...)');
    }
    out[name] = v;
  }
  return out;
}

/** An evaluation of `fns` on a batch: eager, or a compiled program reused across calls. */
export type BatchEvaluator<P> = (params: P, batch: Dataset) => Readonly<Record<string, Tensor>>;

/** `fns` evaluated per batch by one jitted function, for evaluating them many times (fit's epochs). @internal */
export function jittedEvaluator<P>(op: string, fns: Metrics<P>): BatchEvaluator<P> {
  return jit((params: P, b: Dataset) => onBatch(op, fns, params, b));
}

/** Example-weighted means of the evaluator's values over `ds`, in batches of `batchSize`. @internal */
export function meanOver<P>(names: readonly string[], run: BatchEvaluator<P>, params: P, ds: Dataset,
  batchSize: number): Readonly<Record<string, number>> {
  const sums = new Float64Array(names.length);
  const parts = cutBatches(ds, batchSize);
  for (const b of parts) {
    const values = run(params, b);
    const n = b.x.shape[0]!;
    names.forEach((name, i) => {
      sums[i] += values[name]!.item() * n;
    });
  }
  const total = ds.x.shape[0]!;
  return Object.freeze(Object.fromEntries(names.map((name, i) => [name, sums[i]! / total])));
}

/**
 * The mean of each function in `fns` over every example of `ds`, evaluated
 * in batches of `options.batchSize` (default 1024, `'full'` for one batch)
 * and weighted by batch size, so a short last batch counts for what it holds.
 * Each function returns the mean over its batch as a scalar tensor: a loss,
 * or a metric such as `nn.accuracy`.
 * @example
 * const ds = { x: tensor([[1], [2], [3]]), y: tensor([2, 4, 7]) }
 * const mse = (p: { w: Tensor }, b: data.Dataset) => nn.mse(mul(b.x.reshape([-1]), p.w), b.y)
 * train.evaluate({ w: tensor(2) }, ds, { mse }) // => { "mse": 0.3333333 }
 * train.evaluate({ w: tensor(2) }, ds, { mse }, { batchSize: 2 }) // => { "mse": 0.3333333 }
 */
export function evaluate<P>(
  params: P,
  ds: Dataset,
  fns: Metrics<P>,
  options: EvaluateOptions = {},
): Readonly<Record<string, number>> {
  checkDataset('train.evaluate', ds);
  checkMetrics('train.evaluate', fns, 'fns');
  checkOptionKeys('train.evaluate', options, ['batchSize']);
  const batchSize = options.batchSize ?? EVALUATE_BATCH;
  checkBatchSize('train.evaluate', batchSize);
  const n = ds.x.shape[0]!;
  if (n === 0) throw new PuregradError('train.evaluate', 'the dataset has no examples to evaluate on');
  const b = batchSize === 'full' ? n : batchSize;
  return meanOver(Object.keys(fns), (p: P, d: Dataset) => onBatch('train.evaluate', fns, p, d), params, ds, b);
}
