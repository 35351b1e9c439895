/**
 * The shape of the two 2-D demos (XOR, spirals): an MLP with two logits and softmax
 * cross-entropy is trained on points of the plane with `train.fit`; the parameters are kept at a
 * few epochs, and the figures are the loss curve and the decision boundary at each of them.
 */

import { nn, random } from '../../src/index.ts';
import type { BatchSize, Dataset, Tensor } from '../../src/index.ts';
import { defaultLearningRate } from '../optimizers.ts';
import { boundaryGrid, decisionBoundaries, lossCurves } from '../plots.ts';
import type { Extent } from '../plots.ts';
import { describeBatch, describeEpochs, fitWithSnapshots, optimizerFor, runFacts, writeFigures } from './common.ts';
import type { DemoOptions, DemoSummary } from './common.ts';

/** One 2-D demo: its data, its network and its default training settings. */
export interface PlaneDemo {
  /** The file-name prefix of its figures, e.g. "xor". */
  readonly name: string;
  readonly title: string;
  /** Layer sizes, from 2 inputs to 2 logits. */
  readonly sizes: readonly number[];
  readonly activation: (x: Tensor) => Tensor;
  readonly activationName: string;
  readonly train: Dataset;
  /** Fresh points of the same problem to measure accuracy on; without them, the training points. */
  readonly test?: Dataset;
  readonly testName?: string;
  readonly extent: Extent;
  /** Training defaults; `lr` is Adam's, scaled for other optimizers (optimizers.ts). */
  readonly defaults: { readonly epochs: number; readonly batchSize: BatchSize; readonly optimizer: string; readonly lr: number };
  /** Grid points per side of the decision-boundary heatmaps. */
  readonly resolution: number;
  /** Fractions of the run after which the decision boundary is drawn (0: the initial weights). */
  readonly panels: readonly number[];
}

/** The points of a dataset, for plotting. */
function points(ds: Dataset): { x: number; y: number; label: number }[] {
  const xy = ds.x.toTypedArray();
  return Array.from(ds.y.toTypedArray(), (label, i) => ({ x: Number(xy[2 * i]), y: Number(xy[2 * i + 1]), label: Number(label) }));
}

/** Trains `demo` with `options` (missing ones from its defaults), writes its figures, and sums it up. */
export async function runPlaneDemo(demo: PlaneDemo, options: DemoOptions): Promise<DemoSummary> {
  const { epochs = demo.defaults.epochs, batchSize = demo.defaults.batchSize, seed = 0 } = options;
  const optimizerName = options.optimizer ?? demo.defaults.optimizer;
  const lr = options.lr ?? defaultLearningRate(optimizerName, demo.defaults.lr);
  const net = nn.mlp(demo.sizes, { activation: demo.activation });
  const [initKey, shuffleKey] = random.splitN(random.key(seed), 2) as [Tensor, Tensor];
  const logits = (p: nn.MlpParams, x: Tensor): Tensor => net.apply(p, x);
  const accuracy = (p: nn.MlpParams, b: Dataset): Tensor => nn.accuracy(logits(p, b.x), b.y);
  const keepAt = [...new Set(demo.panels.map((f) => Math.round(f * epochs)))];
  const run = fitWithSnapshots({
    key: shuffleKey,
    params: net.init(initKey),
    loss: (p, b) => nn.sparseSoftmaxCrossEntropy(logits(p, b.x), b.y),
    optimizer: optimizerFor(optimizerName, lr),
    data: demo.train,
    epochs,
    batchSize,
    metrics: { accuracy },
    ...(demo.test === undefined ? {} : { validation: demo.test }),
    ...(options.onStep === undefined ? {} : { onStep: options.onStep }),
  }, keepAt);
  const last = run.epochs[run.epochs.length - 1]!;
  const trainAccuracy = last.metrics.accuracy!;
  const figures = await writeFigures(options.out, {
    [`${demo.name}-loss`]: () => lossCurves([
      { name: 'batch loss', points: run.steps.map((s) => ({ x: s.step + 1, y: s.loss })) },
    ], { title: `${demo.title}: training loss`, xTitle: 'step', yTitle: 'cross-entropy', logY: true }),
    [`${demo.name}-boundaries`]: () => decisionBoundaries(run.snapshots.map(({ epoch, params }) => ({
      title: epoch === 0 ? 'initial weights' : `after epoch ${epoch}`,
      grid: boundaryGrid((x) => nn.softmax(logits(params, x)), demo.extent, demo.resolution),
      points: points(demo.train),
    }))),
  });
  return {
    title: `${demo.title}, MLP ${demo.sizes.join('-')} (${demo.activationName})`,
    settings: `${optimizerName} lr ${lr}, ${describeBatch(batchSize)}, ${describeEpochs(epochs)}, seed ${seed}`,
    accuracy: last.validation?.accuracy ?? trainAccuracy,
    accuracyOf: demo.test === undefined ? 'the training points' : demo.testName ?? 'held-out points',
    trainAccuracy,
    loss: last.metrics.loss!,
    ...runFacts(run),
    ...figures,
  };
}
