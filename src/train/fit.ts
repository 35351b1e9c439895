/**
 * `train.fit`: a training run as a fold. Each epoch is a reduce over its
 * batches that carries { params, state, records }: one jitted step per batch,
 * its loss read back and recorded. Between epochs the carry is evaluated
 * (loss and metrics on the training and validation sets) and early stopping
 * decides whether to go on. The result is the last carry's parameters and
 * optimizer state with the history the fold recorded.
 *
 * Everything that varies between runs comes from the options: the order of
 * epoch e is drawn from `random.foldIn(key, e)`, so the same key, data and
 * options give the same history bit for bit (the wall-clock time reaches only
 * the `onStep` callback). The step and the evaluation are compiled once per
 * run and reused by every epoch; a short last batch is one more trace, not
 * one per epoch.
 */

import { batches, size } from '../data/dataset.ts';
import type { Dataset } from '../data/types.ts';
import { foldIn } from '../random/index.ts';
import { EVALUATE_BATCH, jittedEvaluator, meanOver } from './evaluate.ts';
import type { BatchEvaluator } from './evaluate.ts';
import { initialMonitor, observe } from './early-stopping.ts';
import type { Monitor } from './early-stopping.ts';
import { checkFitOptions } from './options.ts';
import type { Run } from './options.ts';
import { compileStep } from './step.ts';
import type { EpochRecord, FitOptions, FitResult, StepRecord } from './types.ts';

/** What the fold over one epoch's batches carries from step to step. */
interface Carry<P, S> {
  readonly params: P;
  readonly state: S;
  /** The run's step records so far. The fold that owns it appends in place: copying it every step would cost O(steps²). */
  readonly records: StepRecord[];
}

/**
 * Train `params` on `data` for `epochs` passes and return the trained
 * parameters, the optimizer state and the history. `batchSize` picks the
 * regime: `'full'` (default; one step per epoch), `n` (mini-batches, a fresh
 * order each epoch) or `1` (one example per step). At each epoch's end the
 * loss and `metrics` are evaluated on the whole of `data` and of
 * `validation`; `earlyStopping` ends the run when the validation loss (or,
 * without validation, the training loss) stops improving. `onStep` and
 * `onEpoch` report progress. The inputs are never changed.
 * @example
 * const net = nn.mlp([2, 8, 2], { activation: nn.tanh })
 * const { params, history } = train.fit({
 *   key: random.key(0), params: net.init(random.key(1)), optimizer: optim.adam(0.05), epochs: 100,
 *   data: data.xor(), loss: (p, b) => nn.sparseSoftmaxCrossEntropy(net.apply(p, b.x), b.y),
 *   metrics: { accuracy: (p, b) => nn.accuracy(net.apply(p, b.x), b.y) },
 * })
 * history.steps.length // => 100
 * history.epochs[99].metrics.accuracy // => 1
 * net.apply(params, data.xor().x).argmax({ axis: 1 }) // => [0, 1, 1, 0]
 */
export function fit<P, S>(options: FitOptions<P, S>): FitResult<P, S> {
  const run = checkFitOptions(options);
  const step = compileStep('train.fit', run.loss, run.optimizer);
  const evaluator = jittedEvaluator('train.fit', { loss: run.loss, ...run.metrics });
  const names = ['loss', ...Object.keys(run.metrics)];
  const n = size(run.data);
  const b = run.batchSize === 'full' ? n : run.batchSize;
  const perEpoch = run.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
  const progress = { stepsPerEpoch: perEpoch, totalSteps: perEpoch * run.epochs, start: performance.now() };

  const stepOnce = (epoch: number) => (c: Carry<P, S>, batch: Dataset): Carry<P, S> => {
    const [params, state, loss] = step(c.params, c.state, batch);
    const record: StepRecord = Object.freeze({ epoch, step: c.records.length, loss: loss.item() });
    c.records.push(record);
    run.onStep?.(Object.freeze({ ...record, stepsPerEpoch: progress.stepsPerEpoch, totalSteps: progress.totalSteps,
      elapsedMs: performance.now() - progress.start }));
    return { params, state, records: c.records };
  };

  const regime = Object.freeze({ batchSize: run.batchSize, shuffle: run.shuffle, dropLast: run.dropLast });
  const reshuffles = run.shuffle && run.batchSize !== 'full' && run.batchSize < n; // else the key goes unused
  let carry: Carry<P, S> = { params: run.params, state: run.optimizer.init(run.params), records: [] };
  let monitor: Monitor = initialMonitor;
  const epochs: EpochRecord[] = [];
  for (let epoch = 0; epoch < run.epochs && !monitor.stop; epoch++) {
    const first = carry.records.length;
    const order = batches(reshuffles ? foldIn(run.key, epoch) : run.key, run.data, regime);
    carry = order.reduce(stepOnce(epoch), carry);
    const record = epochRecord(run, evaluator, names, epoch, carry, first);
    epochs.push(record);
    run.onEpoch?.(record);
    if (run.earlyStopping !== undefined) {
      monitor = observe(monitor, (record.validation ?? record.metrics).loss!, run.earlyStopping);
    }
  }
  const history = Object.freeze({
    steps: Object.freeze(carry.records.slice()),
    epochs: Object.freeze(epochs.slice()),
    stoppedEarly: epochs.length < run.epochs,
  });
  return Object.freeze({ params: carry.params, state: carry.state, history });
}

/** The record of an epoch that ended with `carry`, its steps starting at `first`. */
function epochRecord<P, S>(run: Run<P, S>, evaluator: BatchEvaluator<P>, names: readonly string[], epoch: number,
  carry: Carry<P, S>, first: number): EpochRecord {
  const losses = carry.records.slice(first);
  const loss = losses.reduce((s, r) => s + r.loss, 0) / losses.length;
  const metrics = meanOver(names, evaluator, carry.params, run.data, EVALUATE_BATCH);
  if (run.validation === undefined) return Object.freeze({ epoch, loss, metrics });
  const validation = meanOver(names, evaluator, carry.params, run.validation, EVALUATE_BATCH);
  return Object.freeze({ epoch, loss, metrics, validation });
}
