/**
 * `puregrad demo digits`: the 10,000 real MNIST digits of the `mnist` package, 2,000 held out at
 * random (by key), the rest trained on with `train.fit`, by an MLP or (`model: 'cnn'`) a small
 * convolutional network. The training digits are joined by shifted copies of themselves
 * (`augment` of them, ±2 pixels, drawn from a key), and the learning rate follows a cosine
 * decay over the run. Figures: the loss, the accuracy per epoch, the test digits it gets wrong
 * and, for the CNN, the filters of its first layer.
 */

import { argmax, jit, nn, optim, random, slice } from '../../src/index.ts';
import type { BatchSize, Dataset, Tensor } from '../../src/index.ts';
import { digitGrid, filterGrid, lossCurves } from '../plots.ts';
import { loadDigits, splitDigits, withShiftedCopies } from '../mnist.ts';
import { defaultLearningRate } from '../optimizers.ts';
import { describeBatch, describeEpochs, fitWithSnapshots, optimizerFor, runFacts, writeFigures } from './common.ts';
import type { DemoOptions, DemoSummary } from './common.ts';
import { digitCnn, digitMlp } from './models.ts';
import type { DigitModel } from './models.ts';

export interface DigitsOptions extends DemoOptions {
  readonly model?: 'mlp' | 'cnn';
  /** Shifted copies of each training digit added to the training set (default: 2 for the MLP, 1 for the CNN). */
  readonly augment?: number;
  /** Train on only the first this many training digits (for quick runs and tests); the test set stays 2,000. */
  readonly trainLimit?: number;
}

/** The defaults of each model, measured to reach the bars (≥ 95 % MLP, ≥ 97 % CNN) on 2 cores. */
const DEFAULTS = {
  mlp: { epochs: 10, batchSize: 128, optimizer: 'adam', lr: 2e-3, augment: 2 },
  cnn: { epochs: 4, batchSize: 64, optimizer: 'adam', lr: 2e-3, augment: 1 },
} as const;

/** How many misclassified test digits the figure shows. */
const SHOWN_MISTAKES = 32;

/** Trains the chosen model on the digits; the accuracy is on the 2,000 held-out digits. */
export function digitsDemo(options: DigitsOptions = {}): Promise<DemoSummary> {
  return options.model === 'cnn' ? runDigits(digitCnn(), options) : runDigits(digitMlp(), options);
}

async function runDigits<P>(model: DigitModel<P>, options: DigitsOptions): Promise<DemoSummary> {
  const d = DEFAULTS[model.name];
  const { epochs = d.epochs, seed = 0, augment = d.augment } = options;
  const batchSize: BatchSize = options.batchSize ?? d.batchSize;
  const optimizerName = options.optimizer ?? d.optimizer;
  const lr = options.lr ?? defaultLearningRate(optimizerName, d.lr);
  const [splitKey, augmentKey, initKey, shuffleKey] = random.splitN(random.key(seed), 4) as [Tensor, Tensor, Tensor, Tensor];
  const [allTrain, test] = splitDigits(splitKey, loadDigits(), 2000);
  const limited = options.trainLimit === undefined ? allTrain : limit(allTrain, options.trainLimit);
  const trainSet = withShiftedCopies(augmentKey, limited, augment);

  const n = trainSet.x.shape[0]!;
  const perEpoch = batchSize === 'full' ? 1 : Math.ceil(n / batchSize);
  const schedule = optim.cosineDecaySchedule({ initValue: lr, decaySteps: perEpoch * epochs, alpha: 0.02 });
  const accuracy = (p: P, b: Dataset): Tensor => nn.accuracy(model.apply(p, b.x), b.y);
  const run = fitWithSnapshots({
    key: shuffleKey,
    params: model.init(initKey),
    loss: (p, b) => nn.sparseSoftmaxCrossEntropy(model.apply(p, b.x), b.y),
    optimizer: optimizerFor(optimizerName, schedule),
    data: trainSet,
    validation: test,
    epochs,
    batchSize,
    metrics: { accuracy },
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  });
  const last = run.epochs[run.epochs.length - 1]!;

  const figures = await writeFigures(options.out, {
    [`digits-${model.name}-loss`]: () => lossCurves([
      { name: 'batch loss', faint: true, points: run.steps.map((s) => ({ x: (s.step + 1) / perEpoch, y: s.loss })) },
      { name: 'training set', points: run.epochs.map((e) => ({ x: e.epoch + 1, y: e.metrics.loss! })) },
      { name: 'held-out digits', points: run.epochs.map((e) => ({ x: e.epoch + 1, y: e.validation!.loss! })) },
    ], { title: `digits, ${model.name.toUpperCase()}: loss`, xTitle: 'epoch', yTitle: 'cross-entropy', logY: true }),
    [`digits-${model.name}-accuracy`]: () => lossCurves([
      { name: 'training set', points: run.epochs.map((e) => ({ x: e.epoch + 1, y: e.metrics.accuracy! })) },
      { name: 'held-out digits', points: run.epochs.map((e) => ({ x: e.epoch + 1, y: e.validation!.accuracy! })) },
    ], { title: `digits, ${model.name.toUpperCase()}: accuracy`, xTitle: 'epoch', yTitle: 'accuracy' }),
    [`digits-${model.name}-mistakes`]: () => digitGrid(mistakes(model, run.params, test), {
      columns: 8, title: 'held-out digits it gets wrong (label→prediction)' }),
    ...(model.filters === undefined ? {} : {
      [`digits-${model.name}-filters`]: () => filterGrid(model.filters!(run.params), { title: 'first-layer filters (5×5)' }),
    }),
  });
  const copies = augment === 0 ? '' : `, +${augment} shifted ${augment === 1 ? 'copy' : 'copies'}`;
  return {
    title: `digits (${size(limited)} training digits${copies}), ${model.description}`,
    settings: `${optimizerName} lr ${lr} (cosine decay), ${describeBatch(batchSize)}, ${describeEpochs(epochs)}, seed ${seed}`,
    accuracy: last.validation!.accuracy!,
    accuracyOf: '2,000 held-out digits',
    trainAccuracy: last.metrics.accuracy!,
    loss: last.metrics.loss!,
    ...runFacts(run),
    ...figures,
  };
}

/** The number of examples of a dataset. */
const size = (ds: Dataset): number => ds.x.shape[0]!;

/** The first `count` examples. */
function limit(ds: Dataset, count: number): Dataset {
  const n = Math.min(count, size(ds));
  return { x: slice(ds.x, [0, 0], [n, ds.x.shape[1]!]), y: slice(ds.y, [0], [n]) };
}

/** The first held-out digits the model gets wrong, with "label→prediction" captions. */
function mistakes<P>(model: DigitModel<P>, params: P, test: Dataset): { pixels: ArrayLike<number>; caption: string }[] {
  const predict = jit((p: P, x: Tensor) => argmax(model.apply(p, x), { axis: -1 }));
  const labels = test.y.toTypedArray();
  const pixels = test.x.toTypedArray();
  const wrong: { pixels: ArrayLike<number>; caption: string }[] = [];
  for (let start = 0; start < labels.length && wrong.length < SHOWN_MISTAKES; start += 500) {
    const end = Math.min(labels.length, start + 500);
    const predicted = predict(params, slice(test.x, [start, 0], [end, test.x.shape[1]!])).toTypedArray();
    for (let i = start; i < end && wrong.length < SHOWN_MISTAKES; i++) {
      if (predicted[i - start] !== labels[i]) {
        wrong.push({ pixels: pixels.subarray(i * 784, (i + 1) * 784), caption: `${labels[i]}→${predicted[i - start]}` });
      }
    }
  }
  return wrong;
}
