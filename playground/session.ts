/**
 * The training behind the page, with no DOM in it. `makeModel(settings)` fixes
 * everything the settings decide (the data, the network, its loss, the
 * optimizer, the compiled step); a `TrainState` is one moment of a run
 * (parameters, optimizer state, counters, the batches left in this epoch);
 * `advance` returns the state some steps later. The page only keeps the
 * latest state, so Pause is "stop calling advance" and Reset is
 * "start again from `initialState`".
 *
 * The network outputs one logit per point; the loss is the sigmoid binary
 * cross-entropy on logits, and the probability of class 1 is σ(logit).
 */

import type { Dataset, Tensor } from 'puregrad';
import { cast, data, equal, expandDims, greater, jit, mean, nn, optim, random, train } from 'puregrad';
import type { ActivationName, Settings } from './settings.ts';

type Params = nn.MlpParams;
type OptState = optim.SgdState | optim.AdamState;

/** Everything the settings fix for a run. */
export interface Model {
  readonly settings: Settings;
  readonly dataset: Dataset;
  readonly net: nn.Mlp;
  /** The mean loss of `params` on `batch` (the function whose gradient the page prints). */
  readonly loss: (params: Params, batch: Dataset) => Tensor;
  readonly optimizer: optim.GradientTransformation<OptState>;
  /** One jitted update on one batch: the new parameters and optimizer state, and the batch's loss. */
  readonly update: (params: Params, state: OptState, batch: Dataset) => readonly [Params, OptState, Tensor];
  /** σ(net(x)) for points x [n, 2]: the probability of class 1, shape [n]. */
  readonly probabilities: (params: Params, x: Tensor) => Tensor;
  /** The loss and the accuracy on every point of the data set. */
  readonly evaluate: (params: Params) => { readonly loss: number; readonly accuracy: number };
  /** The batches of one epoch, in the order the run uses them. */
  readonly epochBatches: (epoch: number) => readonly Dataset[];
}

/** One moment of a run. */
export interface TrainState {
  readonly params: Params;
  readonly optState: OptState;
  /** Updates made so far. */
  readonly step: number;
  /** Passes over the data begun so far (0 before the first step). */
  readonly epoch: number;
  /** The batches of the current epoch, and the index of the next one to use. */
  readonly batches: readonly Dataset[];
  readonly next: number;
}

const activations: Readonly<Record<ActivationName, (x: Tensor) => Tensor>> = {
  relu: nn.relu,
  tanh: nn.tanh,
  sigmoid: nn.sigmoid,
};

/** He initialization suits ReLU (it keeps the variance of half-zeroed layers); Glorot suits tanh and sigmoid. */
const initializers: Readonly<Record<ActivationName, nn.Initializer>> = {
  relu: nn.init.heNormal,
  tanh: nn.init.glorotUniform,
  sigmoid: nn.init.glorotUniform,
};

function makeDataset(settings: Settings, key: Tensor): Dataset {
  switch (settings.dataset) {
    case 'xor':
      return data.xor();
    case 'circles':
      return data.circles(key, { n: 100 });
    case 'spirals':
      return data.spirals(key, { n: 100 });
  }
}

const makeOptimizer = (settings: Settings): optim.GradientTransformation<OptState> =>
  settings.optimizer === 'adam' ? optim.adam(settings.learningRate) : optim.sgd(settings.learningRate);

/** Labels y [n] (int32 0/1) as float targets [n, 1], the shape of the logits. */
const targets = (y: Tensor): Tensor => expandDims(cast(y, 'float32'), -1);

/** The model for these settings; the seed's three subkeys drive the data, the initial weights and the shuffling. */
export function makeModel(settings: Settings): Model {
  const [dataKey, , shuffleKey] = keys(settings);
  const dataset = makeDataset(settings, dataKey);
  const net = nn.mlp([2, ...settings.hidden, 1], {
    activation: activations[settings.activation],
    init: initializers[settings.activation],
  });
  const loss = (params: Params, batch: Dataset): Tensor =>
    nn.sigmoidBinaryCrossEntropy(net.apply(params, batch.x), targets(batch.y));
  const metrics = jit((params: Params) => {
    const logits = net.apply(params, dataset.x);
    const hits = equal(greater(logits, 0), greater(targets(dataset.y), 0.5));
    return [nn.sigmoidBinaryCrossEntropy(logits, targets(dataset.y)), mean(cast(hits, 'float32'))] as const;
  });
  const optimizer = makeOptimizer(settings);
  const batchSize = settings.regime === 'full' ? 'full' : settings.regime === 'single' ? 1 : settings.batchSize;
  return Object.freeze({
    settings,
    dataset,
    net,
    loss,
    optimizer,
    update: train.step(loss, optimizer),
    probabilities: jit((params: Params, x: Tensor) => nn.sigmoid(net.apply(params, x)).reshape([-1])),
    evaluate: (params: Params) => {
      const [value, accuracy] = metrics(params);
      return { loss: value.item(), accuracy: accuracy.item() };
    },
    epochBatches: (epoch: number) =>
      data.batches(random.foldIn(shuffleKey, epoch), dataset, { batchSize, shuffle: settings.regime !== 'full' }),
  });
}

function keys(settings: Settings): readonly [Tensor, Tensor, Tensor] {
  const [dataKey, initKey, shuffleKey] = random.splitN(random.key(settings.seed), 3);
  return [dataKey!, initKey!, shuffleKey!];
}

/** The state before the first step: fresh weights from the seed, the optimizer's initial state. */
export function initialState(model: Model): TrainState {
  const params = model.net.init(keys(model.settings)[1]);
  const optState = model.optimizer.init(params);
  return Object.freeze({ params, optState, step: 0, epoch: 0, batches: [], next: 0 });
}

/** The state `steps` updates later, and each update's batch loss. */
export function advance(model: Model, state: TrainState, steps: number): { state: TrainState; losses: number[] } {
  let { params, optState, step, epoch, batches, next } = state;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    if (next === batches.length) [batches, next, epoch] = [model.epochBatches(epoch), 0, epoch + 1];
    let value: Tensor;
    [params, optState, value] = model.update(params, optState, batches[next]!);
    losses.push(value.item());
    [next, step] = [next + 1, step + 1];
  }
  return { state: Object.freeze({ params, optState, step, epoch, batches, next }), losses };
}
