/**
 * `npm run figures`: trains the guides' small models from fixed keys and writes every guide
 * figure to docs/figures/*.svg (vega-lite, rendered by cli/plots.ts). Same keys, same figures.
 * The numbers a guide quotes (stuck runs, test accuracies) are printed as the script runs.
 *
 * The digits figures come from the CLI instead: `npx tsx cli/main.ts demo digits --out docs/figures/digits`.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { data, grad, jit, nn, optim, random, sum, tensor, train, valueAndGrad, vmap } from '../src/index.ts';
import type { Dataset, Tensor } from '../src/index.ts';
import { seedKeys, solvesXor, trainXor } from '../examples/xor.ts';
import type { XorSetup } from '../examples/xor.ts';
import { spiralDemo } from '../cli/demos/spiral.ts';
import { boundaryGrid, decisionBoundaries, lossCurves, render } from '../cli/plots.ts';
import type { BoundaryPanel, Extent } from '../cli/plots.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'figures');

/** The points of a 2-D dataset with labels 0/1, for plotting. */
function points(ds: Dataset): { x: number; y: number; label: number }[] {
  const xy = ds.x.toTypedArray();
  return Array.from(ds.y.toTypedArray(), (label, i) => ({ x: Number(xy[2 * i]), y: Number(xy[2 * i + 1]), label: Number(label) }));
}

/** docs/xor.md: the guide's 2-4-1 tanh network, Adam 0.05 from key 0, drawn after 0, 10, 40 and 200 steps. */
async function xorBoundaries(): Promise<string> {
  const xor = data.xor();
  const y = xor.y.cast('float32').reshape([4, 1]);
  const net = nn.mlp([2, 4, 1], { activation: nn.tanh });
  const loss = (p: nn.MlpParams) => nn.sigmoidBinaryCrossEntropy(net.apply(p, xor.x), y);
  const opt = optim.adam(0.05);
  const step = jit((p: nn.MlpParams, s: optim.AdamState) => {
    const [value, g] = valueAndGrad(loss)(p);
    const [updates, state] = opt.update(g, s, p);
    return [optim.applyUpdates(p, updates), state, value] as const;
  });
  const extent: Extent = { x: [-0.5, 1.5], y: [-0.5, 1.5] };
  let params = net.init(random.key(0));
  let state = opt.init(params);
  const panels: BoundaryPanel[] = [];
  for (let i = 0; i <= 200; i++) {
    if ([0, 10, 40, 200].includes(i)) {
      const p = params;
      const grid = boundaryGrid((x) => nn.sigmoid(net.apply(p, x)), extent, 32);
      panels.push({ title: `after ${i} steps`, grid, points: points(xor) });
    }
    [params, state] = step(params, state);
  }
  return decisionBoundaries(panels);
}

/** docs/initialization.md: how many of 20 runs (keys 0..19) of the 2-h-1 sigmoid XOR net get stuck. */
async function stuckRuns(): Promise<string> {
  const base: XorSetup = { hidden: 2, activation: nn.sigmoid, optimizer: optim.sgd(2), steps: 2000 };
  const setups: readonly { name: string; setup: XorSetup }[] = [
    { name: '2-2-1, LeCun normal', setup: base },
    { name: '2-2-1, Glorot uniform', setup: { ...base, init: nn.init.glorotUniform } },
    { name: '2-3-1, LeCun normal', setup: { ...base, hidden: 3 } },
    { name: '2-4-1, LeCun normal', setup: { ...base, hidden: 4 } },
  ];
  const rows = setups.flatMap(({ name, setup }) => {
    const runs = seedKeys(20).map((k) => trainXor(k, setup));
    const kinds = runs.map((r) => {
      if (solvesXor(r.outputs, 0.1)) return 'solved';
      const middle = r.outputs.filter((o) => o > 0.4 && o < 0.75);
      return middle.length >= 3 ? 'stuck near 2/3' : middle.length >= 2 ? 'stuck at 0.5' : 'other';
    });
    const count = (k: string) => kinds.filter((x) => x === k).length;
    console.log(`XOR ${name}, sigmoid, SGD lr 2, 2000 steps, keys 0..19: ` +
      `${20 - count('solved')} stuck (${count('stuck at 0.5')} at 0.5, ${count('stuck near 2/3')} near 2/3, ${count('other')} other)`);
    return ['solved', 'stuck at 0.5', 'stuck near 2/3', 'other'].map((kind) => ({ setup: name, kind, runs: count(kind) }));
  });
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'XOR with sigmoid units, SGD lr 2, 2000 steps: 20 runs (keys 0..19) per setup',
    width: 420,
    height: 160,
    data: { values: rows.filter((r) => r.runs > 0) },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'setup', type: 'nominal', title: null, sort: setups.map((s) => s.name) },
      x: { field: 'runs', type: 'quantitative', title: 'runs', scale: { domain: [0, 20] } },
      color: {
        field: 'kind', type: 'nominal', title: null, sort: ['solved', 'stuck at 0.5', 'stuck near 2/3', 'other'],
        scale: { domain: ['solved', 'stuck at 0.5', 'stuck near 2/3', 'other'], range: ['#54a24b', '#e45756', '#f58518', '#9d755d'] },
      },
      order: { field: 'kind', sort: 'ascending' },
    },
  };
  return render(spec);
}

/** docs/regimes.md: the same network and SGD on circles, with a full batch, batches of 16 and one example at a time. */
async function regimes(): Promise<string> {
  const circles = data.circles(random.key(0), { n: 100, noise: 0.1, factor: 0.5 });
  const net = nn.mlp([2, 16, 2], { activation: nn.tanh });
  const loss = (p: nn.MlpParams, b: Dataset) => nn.sparseSoftmaxCrossEntropy(net.apply(p, b.x), b.y);
  const regimesRun = (['full', 16, 1] as const).map((batchSize) => {
    const run = train.fit({
      key: random.key(1), params: net.init(random.key(2)), loss, optimizer: optim.sgd(0.1),
      data: circles, epochs: 60, batchSize,
    });
    // 1, 13 and 200 steps per epoch
    const name = batchSize === 'full' ? 'full batch' : batchSize === 1 ? 'one at a time' : 'batches of 16';
    console.log(`regimes: ${name}: training loss after 60 epochs ${run.history.epochs.at(-1)!.metrics.loss!.toFixed(4)}`);
    return { name, points: run.history.epochs.map((e) => ({ x: e.epoch + 1, y: e.metrics.loss! })) };
  });
  return lossCurves(regimesRun, {
    title: 'circles (200 points), MLP 2-16-2 tanh, SGD lr 0.1',
    xTitle: 'epoch (200 examples seen per epoch)', yTitle: 'training loss (whole set)', logY: true,
  });
}

/** docs/outputs.md: activations and their derivatives, as `grad` computes them. */
async function activations(): Promise<string> {
  const xs = Array.from({ length: 121 }, (_, i) => -3 + i * 0.05);
  const x = tensor(xs);
  const curve = (name: string, f: (t: Tensor) => Tensor, derivative: boolean) => {
    const v = derivative ? vmap(grad((t: Tensor) => sum(f(t))))(x) : f(x);
    const ys = Array.from(v.toTypedArray(), Number);
    return { name, points: xs.map((xi, i) => ({ x: xi, y: ys[i]! })) };
  };
  return lossCurves([
    // relu′ is the step function itself, so the step is not drawn twice; its own derivative is 0.
    curve('relu', nn.relu, false), curve('relu′ = step', nn.relu, true),
    curve('sigmoid', nn.sigmoid, false), curve('sigmoid′', nn.sigmoid, true),
    curve('step′ (0)', nn.heaviside, true),
  ], { title: 'activations and their derivatives (from grad)', xTitle: 'x', yTitle: 'value' });
}

/**
 * docs/svm.md: two Gaussian blobs (σ 0.8 around (∓0.6, ∓0.4)), 2 × 10 training points. A linear SVM
 * (hinge loss + 0.05·|w|²) and an MLP 2-64-64-2, both trained to convergence, are tested on 1000
 * fresh points; the mean over 10 training draws is printed, draw 0 is drawn.
 */
async function svmVersusMlp(): Promise<string> {
  const blobs = (key: Tensor, n: number): Dataset => {
    const [k1, k2] = random.splitN(key, 2) as [Tensor, Tensor];
    const centres = tensor([[-0.6, -0.4], [0.6, 0.4]]);
    const y = tensor(Array.from({ length: 2 * n }, (_, i) => i % 2), { dtype: 'int32' });
    const x = centres.take(y, { axis: 0 }).add(random.normal(k1, [2 * n, 2]).mul(0.8));
    return data.shuffle(k2, { x, y });
  };
  const testSet = blobs(random.key(1000), 500);
  const signs = (y: Tensor) => y.cast('float32').mul(2).sub(1);
  type Linear = { readonly w: Tensor; readonly b: Tensor };
  const score = (p: Linear, x: Tensor) => x.matmul(p.w).add(p.b);
  const svmLoss = (p: Linear, b: Dataset) => nn.hinge(score(p, b.x), signs(b.y)).add(p.w.square().sum().mul(0.05));
  const net = nn.mlp([2, 64, 64, 2], { activation: nn.relu });
  const mlpLoss = (p: nn.MlpParams, b: Dataset) => nn.sparseSoftmaxCrossEntropy(net.apply(p, b.x), b.y);
  const runs = Array.from({ length: 10 }, (_, draw) => {
    const trainSet = blobs(random.key(draw), 10);
    const svm = train.fit({
      key: random.key(2), params: { w: tensor([0, 0]), b: tensor(0) } as Linear, loss: svmLoss,
      optimizer: optim.sgd(0.1), data: trainSet, epochs: 300,
    }).params;
    const mlp = train.fit({
      key: random.key(2), params: net.init(random.key(3)), loss: mlpLoss, optimizer: optim.adam(0.01), data: trainSet, epochs: 1000,
    }).params;
    const svmAccuracy = score(svm, testSet.x).greater(0).cast('int32').equal(testSet.y).cast('float32').mean().item();
    const mlpAccuracy = nn.accuracy(net.apply(mlp, testSet.x), testSet.y).item();
    return { trainSet, svm, mlp, svmAccuracy, mlpAccuracy };
  });
  const mean = (f: (r: (typeof runs)[number]) => number) => (100 * runs.reduce((a, r) => a + f(r), 0)) / runs.length;
  const wins = runs.filter((r) => r.svmAccuracy > r.mlpAccuracy).length;
  console.log(`svm: mean test accuracy over 10 draws of 20 points: linear SVM ${mean((r) => r.svmAccuracy).toFixed(1)} %, ` +
    `MLP 2-64-64-2 ${mean((r) => r.mlpAccuracy).toFixed(1)} %; the SVM is better on ${wins} of 10 draws`);
  const { trainSet, svm, mlp, svmAccuracy, mlpAccuracy } = runs[0]!;
  const extent: Extent = { x: [-2.6, 2.6], y: [-2.6, 2.6] };
  return decisionBoundaries([
    {
      title: `linear SVM (hinge): test ${(100 * svmAccuracy).toFixed(1)} %`,
      grid: boundaryGrid((x) => nn.sigmoid(score(svm, x).mul(3)), extent, 40),
      points: points(trainSet),
    },
    {
      title: `MLP 2-64-64-2: test ${(100 * mlpAccuracy).toFixed(1)} %`,
      grid: boundaryGrid((x) => nn.softmax(net.apply(mlp, x)), extent, 40),
      points: points(trainSet),
    },
  ], { size: 220 });
}

const figures: Readonly<Record<string, () => Promise<string>>> = {
  'xor-boundaries': xorBoundaries,
  'init-stuck-runs': stuckRuns,
  'regimes': regimes,
  'activations': activations,
  'svm-vs-mlp': svmVersusMlp,
};

mkdirSync(OUT, { recursive: true });
const only = process.argv.slice(2);
for (const [name, draw] of Object.entries(figures)) {
  if (only.length > 0 && !only.includes(name)) continue;
  const started = Date.now();
  const svg = await draw();
  writeFileSync(join(OUT, `${name}.svg`), svg);
  console.log(`wrote docs/figures/${name}.svg (${(svg.length / 1024).toFixed(0)} kB, ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}
if (only.length === 0 || only.includes('spiral')) {
  // The spiral demo's own figures (loss, boundaries as training proceeds), as `puregrad demo spiral` draws them.
  const summary = await spiralDemo({ out: OUT });
  console.log(`spiral: ${summary.title}, ${(100 * summary.accuracy).toFixed(1)} % on ${summary.accuracyOf}; wrote ${summary.figures.join(', ')}`);
}
