/**
 * `train.fit`'s options, checked in one place before anything runs: unknown
 * names, missing pieces, a batch size that is not `'full'` or a positive
 * integer, data whose inputs and targets disagree in length, validation data
 * shaped unlike the training data. Each is a `PuregradError` from
 * `train.fit` that says what to pass instead.
 */

import { checkBatchSize, checkCount, checkDataset, checkFlag, checkFunction, describeValue } from '../data/checks.ts';
import type { Dataset } from '../data/types.ts';
import { checkOptionKeys } from '../nn/options.ts';
import { checkKey } from '../random/keys.ts';
import { isFloat } from '../tensor/dtype.ts';
import { PuregradError } from '../tensor/errors.ts';
import { shapeEq, showShape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';
import { flatten } from '../tree/index.ts';
import type { Tree } from '../tree/index.ts';
import { checkEarlyStopping } from './early-stopping.ts';
import type { EarlyStoppingOptions } from './early-stopping.ts';
import { checkMetrics } from './evaluate.ts';
import type { Metrics } from './evaluate.ts';
import { checkOptimizer } from './step.ts';
import type { EpochRecord, FitOptions, StepProgress } from './types.ts';

const OP = 'train.fit';
const KNOWN = ['key', 'params', 'loss', 'optimizer', 'data', 'epochs', 'batchSize', 'shuffle', 'dropLast', 'metrics',
  'validation', 'earlyStopping', 'onStep', 'onEpoch'];

/** The options of a run, checked, with defaults filled in (the optional ones present, possibly undefined). @internal */
export type Run<P, S> = Readonly<Required<Omit<FitOptions<P, S>, 'metrics' | 'earlyStopping' | 'validation' | 'onStep' | 'onEpoch'>>> & {
  readonly metrics: Metrics<P>;
  readonly validation: Dataset | undefined;
  readonly earlyStopping: Required<EarlyStoppingOptions> | undefined;
  readonly onStep: ((progress: StepProgress) => void) | undefined;
  readonly onEpoch: ((record: EpochRecord) => void) | undefined;
};

/** Check `options` as `train.fit` needs them and fill in the defaults. @internal */
export function checkFitOptions<P, S>(options: FitOptions<P, S>): Run<P, S> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PuregradError(OP, 'takes one options object { key, params, loss, optimizer, data, epochs, … }, ' +
      `got ${describeValue(options)}`);
  }
  checkOptionKeys(OP, options, KNOWN);
  const o = options;
  for (const k of ['key', 'params', 'loss', 'optimizer', 'data', 'epochs'] as const) {
    if (o[k] === undefined) throw new PuregradError(OP, `the option '${k}' is missing; ${REQUIRED[k]}`);
  }
  checkKey(OP, o.key);
  checkParams(o.params);
  checkFunction(OP, 'loss', o.loss, '(params, batch) => scalar tensor, the mean loss over the batch');
  checkOptimizer(OP, o.optimizer);
  checkDataset(OP, o.data, 'data');
  const n = o.data.x.shape[0]!;
  if (n === 0) throw new PuregradError(OP, 'data has no examples to train on');
  checkCount(OP, 'epochs', o.epochs, 'the number of passes over the data');
  const batchSize = o.batchSize ?? 'full';
  checkBatchSize(OP, batchSize);
  checkFlag(OP, 'shuffle', o.shuffle);
  checkFlag(OP, 'dropLast', o.dropLast);
  if (o.dropLast === true && batchSize !== 'full' && batchSize > n) {
    throw new PuregradError(OP, `batchSize ${batchSize} is larger than the ${n} examples, and dropLast drops the only, ` +
      `short batch: no step would run; use a batchSize of at most ${n} or dropLast: false`);
  }
  const metrics = o.metrics ?? {};
  checkMetrics(OP, metrics, 'metrics');
  if ('loss' in metrics) {
    throw new PuregradError(OP, "metrics must not have a 'loss' entry: " +
      "the loss is always evaluated and reported as 'loss'; " +
      'give the metric another name');
  }
  if (o.validation !== undefined) checkValidation(o.data, o.validation);
  const earlyStopping = o.earlyStopping === undefined ? undefined : checkEarlyStopping(OP, o.earlyStopping);
  if (o.onStep !== undefined) checkFunction(OP, 'onStep', o.onStep, '(progress) => void');
  if (o.onEpoch !== undefined) checkFunction(OP, 'onEpoch', o.onEpoch, '(record) => void');
  return Object.freeze({
    key: o.key, params: o.params, loss: o.loss, optimizer: o.optimizer, data: o.data, epochs: o.epochs, batchSize,
    shuffle: o.shuffle ?? true, dropLast: o.dropLast ?? false, metrics, validation: o.validation, earlyStopping,
    onStep: o.onStep, onEpoch: o.onEpoch,
  });
}

const REQUIRED = {
  key: 'pass a key such as random.key(0): it drives the shuffling',
  params: 'pass the starting parameters, e.g. net.init(key)',
  loss: 'pass (params, batch) => scalar tensor, the mean loss over the batch',
  optimizer: 'pass an optimizer such as optim.adam(1e-3)',
  data: 'pass the training examples { x, y }',
  epochs: 'pass the number of passes over the data',
} as const;

/** Every leaf of `params` is a float tensor. */
function checkParams(params: unknown): void {
  const [leaves] = flatten(params as Tree<unknown>);
  if (leaves.length === 0) throw new PuregradError(OP, 'params has no tensors to train');
  leaves.forEach((l, i) => {
    if (!(l instanceof Tensor) || !isFloat(l.dtype)) {
      const got = l instanceof Tensor ? `dtype ${l.dtype}` : describeValue(l);
      throw new PuregradError(OP, `leaf ${i} of params is ${got}; params must be a tree of float32 or float64 tensors`);
    }
  });
}

/** The validation set is a dataset shaped like the training data, example for example. */
function checkValidation(data: Dataset, validation: unknown): void {
  checkDataset(OP, validation, 'validation');
  if (validation.x.shape[0] === 0) throw new PuregradError(OP, 'validation has no examples; leave it out instead');
  for (const k of ['x', 'y'] as const) {
    const [a, b] = [data[k], validation[k]];
    if (!shapeEq(a.shape.slice(1), b.shape.slice(1)) || a.dtype !== b.dtype) {
      throw new PuregradError(OP, `validation.${k} is ${b.dtype}${showShape(b.shape)} but data.${k} is ` +
        `${a.dtype}${showShape(a.shape)}; each validation example must be shaped like a training example`);
    }
  }
}
