/**
 * The checks every `data` and `train` function runs on what it is handed,
 * before any arithmetic: a dataset is two tensors with one example per row of
 * axis 0, a batch size is `'full'` or a positive integer, flags are booleans.
 * Each failure is a `PuregradError` naming the calling op and saying what to
 * pass instead.
 */

import { PuregradError } from '../tensor/errors.ts';
import { showShape } from '../tensor/shape.ts';
import { describeValue } from '../tensor/describe.ts';
import { Tensor } from '../tensor/tensor.ts';
import type { BatchSize, Dataset } from './types.ts';


/** `ds` is a dataset: an object with tensors `x` and `y` of rank ≥ 1 and the same length. @internal */
export function checkDataset(op: string, ds: unknown, what = 'the dataset'): asserts ds is Dataset {
  if (typeof ds !== 'object' || ds === null || Array.isArray(ds)) {
    throw new PuregradError(op, `${what} must be an object { x, y } of two tensors, got ${describeValue(ds)}`);
  }
  const { x, y } = ds as { x?: unknown; y?: unknown };
  for (const [name, t] of [['x', x], ['y', y]] as const) {
    if (!(t instanceof Tensor)) {
      throw new PuregradError(op, `${what} needs a tensor ${name} (one example per row of axis 0), got ${describeValue(t)}`);
    }
    if (t.rank === 0) {
      throw new PuregradError(op, `${what}'s ${name} is a scalar; examples run along axis 0, ` +
        'so give it at least one axis ' +
        `(reshape(${name}, [1]) for a single example)`);
    }
  }
  const [nx, ny] = [(x as Tensor).shape[0]!, (y as Tensor).shape[0]!];
  if (nx !== ny) {
    throw new PuregradError(op, `${what} has x of shape ${showShape((x as Tensor).shape)} but y of shape ` +
      `${showShape((y as Tensor).shape)}: ${nx} inputs and ${ny} targets; give one target per input (axis 0 of both)`);
  }
}

/** `n` is a positive integer, or an error naming `name`. @internal */
export function checkCount(op: string, name: string, n: unknown, hint: string): asserts n is number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new PuregradError(op, `${name} must be a positive integer (${hint}), got ${describeValue(n)}`);
  }
}

/** `batchSize` is `'full'` or a positive integer. @internal */
export function checkBatchSize(op: string, batchSize: unknown, allowFull = true): asserts batchSize is BatchSize {
  if (allowFull && batchSize === 'full') return;
  const choices = allowFull ? "'full' (the whole set), a number n (mini-batches of n) or 1 (one example at a time)"
    : 'a positive integer, the number of examples in each batch';
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new PuregradError(op, `batchSize must be ${choices}, got ${describeValue(batchSize)}`);
  }
}

/** `v` is a boolean or absent. @internal */
export function checkFlag(op: string, name: string, v: unknown): asserts v is boolean | undefined {
  if (v !== undefined && typeof v !== 'boolean') {
    throw new PuregradError(op, `${name} must be true or false, got ${describeValue(v)}`);
  }
}

/** `f` is a function, or an error naming what it should compute. @internal */
export function checkFunction(op: string, name: string, f: unknown, what: string): void {
  if (typeof f !== 'function') throw new PuregradError(op, `${name} must be a function ${what}, got ${describeValue(f)}`);
}

/** A short description of a value, for messages. @internal */
export { describeValue };
