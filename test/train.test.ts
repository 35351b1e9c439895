/**
 * `train` by example: the jitted step equals the eager loss-gradient-update it
 * compiles; `fit` is deterministic from its key, counts the steps each regime
 * promises, learns spirals and XOR, records epoch losses and metrics that
 * agree with `evaluate`, stops early, reports progress, leaves its inputs
 * alone and refuses bad options before running anything.
 */

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { data, mean, mul, nn, optim, random, square, sub, sum, Tensor, tensor, train, tree } from '../src/index.ts';
import { valueAndGrad } from '../src/index.ts';
import type { Dataset, FitOptions } from '../src/index.ts';
import { expectOpError } from './support.ts';

/** y = 3·x₀ − 2·x₁ + 0.5 plus a little noise, 20 examples, float64. */
const line = (): Dataset => {
  const x = random.normal(random.key(10), [20, 2], { dtype: 'float64' });
  const noise = mul(random.normal(random.key(11), [20], { dtype: 'float64' }), 0.1);
  const y = sum(mul(x, tensor([3, -2], { dtype: 'float64' })), { axis: 1 }).add(0.5).add(noise);
  return { x, y };
};
interface Linear { readonly w: Tensor; readonly b: Tensor }
const linear = (p: Linear, x: Tensor): Tensor => sum(mul(x, p.w), { axis: 1 }).add(p.b);
const mse = (p: Linear, b: Dataset): Tensor => mean(square(sub(linear(p, b.x), b.y)));
const values = (p: Linear): unknown[] => [p.w.toArray(), p.b.toArray()];
const zeros64 = (): Linear => ({ w: tensor([0, 0], { dtype: 'float64' }), b: tensor(0, { dtype: 'float64' }) });
const base = (over: Partial<FitOptions<Linear, unknown>> = {}): FitOptions<Linear, unknown> => ({
  key: random.key(0), params: zeros64(), loss: mse, optimizer: optim.sgd(0.05), data: line(), epochs: 3, ...over,
});

describe('step', () => {
  it('is valueAndGrad, the optimizer update and applyUpdates, compiled: the same numbers as eager', () => {
    const opt = optim.adam(0.1);
    const ds = line();
    const p0 = zeros64();
    const [p1, s1, l1] = train.step(mse, opt)(p0, opt.init(p0), ds);
    const [value, g] = valueAndGrad(mse)(p0, ds);
    const [u, s] = opt.update(g, opt.init(p0), p0);
    const eager = optim.applyUpdates(p0, u);
    expect(l1.item()).toBe(value.item()); // jit ≡ eager, bit for bit
    expect(values(p1)).toEqual(values(eager));
    const leaves = (state: unknown) => tree.leaves(state as never).map((t: Tensor) => t.toArray());
    expect(leaves(s1)).toEqual(leaves(s));
  });

  it('traces once per batch shape: a short last batch is one more signature, not one per call', () => {
    const opt = optim.sgd(0.1);
    const step = train.step(mse, opt);
    let p = zeros64();
    let s = opt.init(p);
    for (let epoch = 0; epoch < 5; epoch++) {
      for (const b of data.batch(line(), 6)) [p, s] = step(p, s, b);
    }
    expect(step.cacheSize()).toBe(2); // the batches of 6 and the short one of 2
  });

  it('a loss that is not a scalar is an error naming the step', () => {
    const perExample = (p: Linear, b: Dataset) => square(sub(linear(p, b.x), b.y));
    expectOpError(() => train.step(perExample, optim.sgd(0.1))(zeros64(), optim.sgd(0.1).init(zeros64()), line()),
      'train.step', 'the loss must return a scalar tensor');
    expectOpError(() => train.step(mse, {} as never), 'train.step', 'optimizer must be a GradientTransformation');
  });
});

describe('fit', () => {
  it('is deterministic: same key, data and options, the same history bit for bit', () => {
    const options = base({ batchSize: 5, epochs: 4, validation: line() });
    const a = train.fit(options);
    const b = train.fit(options);
    expect(b.history).toEqual(a.history);
    expect(b.history.steps.map((s) => s.loss).every((l, i) => Object.is(l, a.history.steps[i]!.loss))).toBe(true);
    expect(values(b.params)).toEqual(values(a.params));
  });

  it('another key shuffles into another order: other step losses, the same full-batch run', () => {
    const a = train.fit(base({ batchSize: 5 }));
    const b = train.fit(base({ batchSize: 5, key: random.key(1) }));
    expect(b.history.steps.map((s) => s.loss)).not.toEqual(a.history.steps.map((s) => s.loss));
    // a full batch is not reordered, so the key does not matter
    expect(train.fit(base({ key: random.key(1) })).history).toEqual(train.fit(base()).history);
    // without shuffling neither do mini-batches
    expect(train.fit(base({ batchSize: 5, shuffle: false, key: random.key(1) })).history)
      .toEqual(train.fit(base({ batchSize: 5, shuffle: false })).history);
  });

  it('the regimes give the step counts they promise, numbered over the run', () => {
    const count = (over: Partial<FitOptions<Linear, unknown>>) => train.fit(base({ epochs: 3, ...over })).history.steps;
    expect(count({}).length).toBe(3); // full batch: one step an epoch
    expect(count({ batchSize: 'full' }).length).toBe(3);
    expect(count({ batchSize: 8 }).length).toBe(9); // ⌈20/8⌉ = 3 an epoch
    expect(count({ batchSize: 8, dropLast: true }).length).toBe(6); // ⌊20/8⌋ = 2
    expect(count({ batchSize: 1 }).length).toBe(60); // one example per step
    expect(count({ batchSize: 100 }).length).toBe(3);
    const steps = count({ batchSize: 8 });
    expect(steps.map((s) => s.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(steps.map((s) => s.epoch)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });

  it('follows the hand-run fold: each epoch a foldIn key, a shuffle, batches and steps', () => {
    const options = base({ batchSize: 6, optimizer: optim.adam(0.1) });
    const step = train.step(mse, options.optimizer);
    let p = options.params;
    let s = options.optimizer.init(p);
    const losses: number[] = [];
    for (let e = 0; e < options.epochs; e++) {
      for (const b of data.batches(random.foldIn(options.key, e), options.data, { batchSize: 6 })) {
        const [np, ns, l] = step(p, s, b);
        [p, s] = [np, ns];
        losses.push(l.item());
      }
    }
    const fitted = train.fit(options);
    expect(fitted.history.steps.map((r) => r.loss)).toEqual(losses);
    expect(values(fitted.params)).toEqual(values(p));
  });

  it('learns the two spirals: loss down, accuracy up, in every regime', () => {
    const spirals = data.spirals(random.key(0), { n: 40, turns: 1 });
    const net = nn.mlp([2, 24, 24, 2], { activation: nn.tanh });
    const params = net.init(random.key(2));
    const loss = (p: nn.MlpParams, b: Dataset) => nn.sparseSoftmaxCrossEntropy(net.apply(p, b.x), b.y);
    const accuracy = (p: nn.MlpParams, b: Dataset) => nn.accuracy(net.apply(p, b.x), b.y);
    const before = train.evaluate(params, spirals, { loss, accuracy });
    for (const [batchSize, epochs, lr] of [['full', 200, 0.03], [16, 60, 0.01], [1, 15, 0.005]] as const) {
      const { history } = train.fit({ key: random.key(1), params, optimizer: optim.adam(lr), data: spirals, epochs, batchSize,
        loss, metrics: { accuracy } });
      const last = history.epochs.at(-1)!.metrics;
      expect(last.loss, `batchSize ${batchSize}`).toBeLessThan(0.5 * before.loss!);
      expect(last.accuracy, `batchSize ${batchSize}`).toBeGreaterThan(0.8);
    }
  });

  it('learns XOR with a 2-4-2 tanh network', () => {
    const net = nn.mlp([2, 4, 2], { activation: nn.tanh });
    const { params, history } = train.fit({
      key: random.key(0), params: net.init(random.key(0)), optimizer: optim.adam(0.05), data: data.xor(), epochs: 200,
      loss: (p, b) => nn.sparseSoftmaxCrossEntropy(net.apply(p, b.x), b.y),
    });
    expect(history.epochs.at(-1)!.metrics.loss).toBeLessThan(0.05);
    expect(Array.from(net.apply(params, data.xor().x).argmax({ axis: 1 }).toTypedArray())).toEqual([0, 1, 1, 0]);
  });

  it('epoch records: the mean of the step losses, and loss and metrics over the whole sets', () => {
    const validation = line();
    const metrics = { mae: (p: Linear, b: Dataset) => mean(sub(linear(p, b.x), b.y).abs()) };
    const r = train.fit(base({ batchSize: 6, metrics, validation }));
    r.history.epochs.forEach((e, i) => {
      const steps = r.history.steps.filter((s) => s.epoch === i);
      expect(steps.length).toBe(4);
      expect(e.loss).toBe(steps.reduce((a, s) => a + s.loss, 0) / 4);
      expect(Object.keys(e.metrics)).toEqual(['loss', 'mae']);
      expect(Object.keys(e.validation!)).toEqual(['loss', 'mae']);
    });
    const last = r.history.epochs.at(-1)!;
    const onTrain = train.evaluate(r.params, line(), { loss: mse, ...metrics });
    const onValidation = train.evaluate(r.params, validation, { loss: mse, ...metrics });
    expect(last.metrics.loss).toBeCloseTo(onTrain.loss!, 12);
    expect(last.metrics.mae).toBeCloseTo(onTrain.mae!, 12);
    expect(last.validation!.loss).toBeCloseTo(onValidation.loss!, 12);
  });
});

describe('evaluate', () => {
  const params: Linear = { w: tensor([2.5, -1.5], { dtype: 'float64' }), b: tensor(0, { dtype: 'float64' }) };
  const fns = { loss: mse, mae: (p: Linear, b: Dataset) => mean(sub(linear(p, b.x), b.y).abs()) };

  it('batch means weighted by batch size equal the mean over the whole set, short last batch included', () => {
    const ds = line();
    const whole = train.evaluate(params, ds, fns, { batchSize: 'full' });
    for (const batchSize of [1, 3, 6, 7, 19, 20, 64]) {
      const batched = train.evaluate(params, ds, fns, { batchSize });
      expect(batched.loss).toBeCloseTo(whole.loss!, 12);
      expect(batched.mae).toBeCloseTo(whole.mae!, 12);
    }
    // the unweighted mean of the batch means would differ: batches of 7, 7 and 6
    const parts = data.batch(ds, 7).map((b) => mse(params, b).item());
    expect(Math.abs(parts.reduce((a, v) => a + v, 0) / 3 - whole.loss!)).toBeGreaterThan(1e-6);
    expect(whole.loss).toBeCloseTo(mse(params, ds).item(), 12);
  });

  it('refuses metrics that are not scalars, and bad options', () => {
    const ds = line();
    const bad = (p: Linear, b: Dataset) => sub(linear(p, b.x), b.y);
    expectOpError(() => train.evaluate(params, ds, { bad }), 'train.evaluate', "'bad' must return a scalar");
    expectOpError(() => train.evaluate(params, ds, fns, { batchSize: 0 }), 'train.evaluate', 'batchSize must be');
    expectOpError(() => train.evaluate(params, ds, fns, { batch: 2 } as never), 'train.evaluate', "unknown option 'batch'");
    expectOpError(() => train.evaluate(params, ds, { loss: 3 } as never), 'train.evaluate', 'fns.loss must be a function');
  });
});

describe('early stopping', () => {
  it('stops after patience epochs without improvement, and says so', () => {
    // sgd(0) never moves: the first epoch sets the best loss, the next `patience` do not beat it
    const r = train.fit(base({ optimizer: optim.sgd(0), epochs: 50, earlyStopping: { patience: 3 } }));
    expect(r.history.epochs.length).toBe(4);
    expect(r.history.steps.length).toBe(4);
    expect(r.history.stoppedEarly).toBe(true);
  });

  it('watches the validation loss when there is one: stops once it has risen for patience epochs', () => {
    // the validation targets are the training targets negated: fitting one unfits the other
    const train_ = line();
    const validation = { x: train_.x, y: train_.y.neg() };
    const r = train.fit(base({ optimizer: optim.sgd(0.05), epochs: 100, validation, earlyStopping: { patience: 2 } }));
    const v = r.history.epochs.map((e) => e.validation!.loss!);
    const best = v.indexOf(Math.min(...v));
    expect(r.history.stoppedEarly).toBe(true);
    expect(v.length - 1 - best).toBe(2);
    expect(r.history.epochs.at(-1)!.metrics.loss).toBeLessThan(r.history.epochs[0]!.metrics.loss!); // training still improved
  });

  it('a minDelta larger than the improvements stops a run that is still improving slowly; without it the run goes on', () => {
    const slow = base({ optimizer: optim.sgd(1e-4), epochs: 20 });
    expect(train.fit({ ...slow, earlyStopping: { patience: 2, minDelta: 1 } }).history.epochs.length).toBe(3);
    const full = train.fit({ ...slow, earlyStopping: { patience: 2 } }).history;
    expect([full.epochs.length, full.stoppedEarly]).toEqual([20, false]);
  });
});

describe('progress callbacks', () => {
  it('onStep sees every step with the run totals and growing times; onEpoch every epoch record', () => {
    const steps: { step: number; stepsPerEpoch: number; totalSteps: number; elapsedMs: number }[] = [];
    const epochs: number[] = [];
    const r = train.fit(base({ batchSize: 8, onStep: (p) => steps.push(p), onEpoch: (e) => epochs.push(e.epoch) }));
    expect(steps.map((s) => s.step)).toEqual(r.history.steps.map((s) => s.step));
    expect(steps.every((s) => s.stepsPerEpoch === 3 && s.totalSteps === 9)).toBe(true);
    expect(steps.every((s, i) => s.elapsedMs >= 0 && (i === 0 || s.elapsedMs >= steps[i - 1]!.elapsedMs))).toBe(true);
    expect(epochs).toEqual([0, 1, 2]);
    expect(r.history.steps.every((s) => !('elapsedMs' in s))).toBe(true); // wall-clock time stays out of the history
  });
});

describe('jit retracing', () => {
  let warn: ReturnType<typeof vi.spyOn>;
  beforeEach(() => {
    warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('a short last batch over many epochs, with validation, never warns: the step is compiled once per run', () => {
    train.fit(base({ batchSize: 6, epochs: 15, validation: { x: line().x.slice([0], [7]), y: line().y.slice([0], [7]) } }));
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('inputs', () => {
  const deepFreeze = <T>(x: T): T => {
    if (typeof x === 'object' && x !== null && !(x instanceof Tensor)) {
      Object.values(x).forEach(deepFreeze);
      Object.freeze(x);
    }
    return x;
  };

  it('frozen options, params and data are accepted and left unchanged; the result is frozen', () => {
    const options = deepFreeze(base({ batchSize: 6, validation: line(), earlyStopping: { patience: 5 }, metrics: {} }));
    const before = JSON.stringify(tree.leaves([options.params, options.data] as never).map((t: Tensor) => t.toArray()));
    const r = train.fit(options);
    expect(JSON.stringify(tree.leaves([options.params, options.data] as never).map((t: Tensor) => t.toArray()))).toBe(before);
    expect(Object.isFrozen(r) && Object.isFrozen(r.history) && Object.isFrozen(r.history.steps)).toBe(true);
    expect(Object.isFrozen(r.history.steps[0]) && Object.isFrozen(r.history.epochs[0])).toBe(true);
    expect(Object.isFrozen(r.history.epochs[0]!.metrics)).toBe(true);
  });
});

describe('bad options are refused before anything runs', () => {
  it('batch sizes that are not full or a positive integer', () => {
    for (const batchSize of [0, -1, 1.5, 'bogus', NaN]) {
      expectOpError(() => train.fit(base({ batchSize: batchSize as number })), 'train.fit',
        "batchSize must be 'full' (the whole set), a number n (mini-batches of n) or 1 (one example at a time)");
    }
    expectOpError(() => train.fit(base({ batchSize: 30, dropLast: true })), 'train.fit', 'no step would run');
  });

  it('epochs that are not a positive integer', () => {
    for (const epochs of [0, -1, 1.5, '3', NaN]) {
      expectOpError(() => train.fit(base({ epochs: epochs as number })), 'train.fit', 'epochs must be a positive integer');
    }
  });

  it('x and y of different lengths, empty data, validation shaped unlike the data', () => {
    const { x, y } = line();
    expectOpError(() => train.fit(base({ data: { x, y: y.slice([0], [19]) } })), 'train.fit', '20 inputs and 19 targets');
    expectOpError(() => train.fit(base({ data: { x: x.slice([0], [0]), y: y.slice([0], [0]) } })), 'train.fit', 'no examples');
    const validation = { x: tensor([[1, 2, 3]], { dtype: 'float64' }), y: tensor([1], { dtype: 'float64' }) };
    expectOpError(() => train.fit(base({ validation })),
      'train.fit', 'validation.x is float64[1,3] but data.x is float64[20,2]');
  });

  it('unknown option names, missing ones, and bad pieces', () => {
    expectOpError(() => train.fit({ ...base(), lr: 0.1 } as never), 'train.fit', "unknown option 'lr'");
    expectOpError(() => train.fit({ ...base(), epoch: 3 } as never), 'train.fit', "unknown option 'epoch'");
    expectOpError(() => train.fit({ ...base(), optimizer: undefined } as never), 'train.fit', "'optimizer' is missing");
    const stopping = { patience: 2, delta: 1 } as never;
    expectOpError(() => train.fit(base({ earlyStopping: stopping })), 'train.fit', "unknown earlyStopping option 'delta'");
    expectOpError(() => train.fit(base({ earlyStopping: { patience: -1 } })), 'train.fit', 'earlyStopping.patience must be');
    expectOpError(() => train.fit(base({ metrics: { loss: mse } })), 'train.fit', "metrics must not have a 'loss' entry");
    const ints = { w: tensor([1], { dtype: 'int32' }) } as never;
    expectOpError(() => train.fit(base({ params: ints })), 'train.fit', 'float32 or float64');
    expectOpError(() => train.fit(base({ key: 0 as never })), 'train.fit', 'key must be an int32 tensor');
    expectOpError(() => train.fit(base({ shuffle: 1 as never })), 'train.fit', 'shuffle must be true or false');
    expectOpError(() => train.fit(base({ onStep: 'log' as never })), 'train.fit', 'onStep must be a function');
    const perExample = (p: Linear, b: Dataset) => square(sub(linear(p, b.x), b.y));
    expectOpError(() => train.fit(base({ loss: perExample })), 'train.fit', 'the loss must return a scalar');
  });
});
