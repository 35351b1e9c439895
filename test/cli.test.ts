/**
 * The `puregrad` CLI and its parts, in-process: flag errors and their exit codes, the XOR demo
 * end to end with its figures, a shortened digits run on the real MNIST digits with a lower
 * accuracy bar, the figures' SVG, the grid a boundary is drawn from, the digits loader and the
 * staged training run the pictures of learning need.
 */

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { fitWithSnapshots } from '../cli/demos/common.ts';
import type { DemoSummary } from '../cli/demos/common.ts';
import { digitsDemo } from '../cli/demos/digits.ts';
import { loadDigits, splitDigits, withShiftedCopies } from '../cli/mnist.ts';
import { boundaryGrid, decisionBoundaries, digitGrid, filterGrid, lossCurves } from '../cli/plots.ts';
import { run } from '../cli/program.ts';
import { lossChart } from '../cli/report.ts';
import { data, nn, optim, random, sub, take, tensor, train } from '../src/index.ts';
import type { Tensor } from '../src/index.ts';

const work = mkdtempSync(join(tmpdir(), 'puregrad-cli-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The CLI run in-process on `args`: its exit code, what it printed, and the demos' summaries. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string; summaries: readonly DemoSummary[] }> {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  const text = { out: '', err: '' };
  stdout.on('data', (chunk) => (text.out += String(chunk)));
  stderr.on('data', (chunk) => (text.err += String(chunk)));
  let summaries: readonly DemoSummary[] = [];
  const code = await run(args, { stdout, stderr }, (s) => (summaries = s));
  return { code, stdout: text.out, stderr: text.err, summaries };
}

/** Throws unless `svg` is one complete SVG document; returns how many marks of each kind it holds. */
function marks(svg: string): Record<string, number> {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  const opened = (svg.match(/<g(\s[^>]*)?>/g) ?? []).filter((tag) => !tag.endsWith('/>')).length;
  expect((svg.match(/<\/g>/g) ?? []).length).toBe(opened); // every group that is opened is closed
  const count: Record<string, number> = {};
  for (const [, kind] of svg.matchAll(/class="mark-(\w+) role-mark/g)) count[kind!] = (count[kind!] ?? 0) + 1;
  return count;
}

/** The curves of a line chart: the paths inside its line-mark groups, with their stroke opacity. */
const curves = (svg: string): number[] => [...svg.matchAll(/<g class="mark-line[^>]*>(.*?)<\/g>/g)]
  .flatMap((g) => [...g[1]!.matchAll(/<path [^>]*stroke-opacity="([\d.]+)"/g)].map((m) => Number(m[1])));

const texts = (svg: string): string[] => [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);

describe('flags', () => {
  it.each([
    [['demo', 'bogus'], "value 'bogus' is invalid for argument 'name'. Allowed choices are xor, spiral, digits"],
    [['demo', 'xor', '--epochs', '0'], "option '--epochs <n>' argument '0' is invalid. expected a positive integer"],
    [['demo', 'xor', '--epochs', '2.5'], 'expected a positive integer'],
    [['demo', 'xor', '--lr', '-1'], 'expected a positive number'],
    [['demo', 'xor', '--batch-size', 'half'], "expected a positive integer or 'full'"],
    [['demo', 'xor', '--seed', 'x'], 'expected a whole number'],
    [['demo', 'xor', '--optimizer', 'adamm'], 'Allowed choices are sgd, momentum'],
    [['demo', 'digits', '--model', 'rnn'], 'Allowed choices are mlp, cnn'],
    [['demo', 'xor', '--model', 'cnn'], 'puregrad: --model applies to the digits demo only, not to xor'],
    [['demo', 'xor', '--frobnicate'], "unknown option '--frobnicate'"],
  ])('%j fails with a clear message and exit code 1', async (args, message) => {
    const r = await cli(...args);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
  });

  it('--help lists the demos and flags and exits 0', async () => {
    const r = await cli('demo', '--help');
    expect(r.code).toBe(0);
    for (const flag of ['--model', '--epochs', '--batch-size', '--optimizer', '--lr', '--seed', '--out', '--no-figures', '--quiet']) {
      expect(r.stdout).toContain(flag);
    }
  });
});

describe('puregrad demo xor', () => {
  it('trains to 100 %, prints the summary and the chart, and writes its figures', async () => {
    const out = join(work, 'xor');
    const r = await cli('demo', 'xor', '--out', out);
    expect(r.code).toBe(0);
    const [s] = r.summaries;
    expect(s!.accuracy).toBe(1);
    expect(s!.steps).toBe(200); // full batch: one step per epoch
    expect(r.stdout).toContain('accuracy  100.0 % on the training points');
    expect(r.stdout).toMatch(/time {6}[\d.]+ s for 200 steps in 200 epochs: \d+ steps\/s/);
    expect(r.stdout).toContain('┤'); // the terminal chart
    expect(r.stdout).toContain(`figures in ${out}: xor-loss.svg, xor-boundaries.svg`);
    expect(curves(readFileSync(join(out, 'xor-loss.svg'), 'utf8'))).toEqual([1]);
    const boundaries = readFileSync(join(out, 'xor-boundaries.svg'), 'utf8');
    expect(marks(boundaries)).toMatchObject({ rect: 4, symbol: 4 }); // a heatmap and the points in each of 4 panels
    const titles = ['initial weights', 'after epoch 10', 'after epoch 40', 'after epoch 200'];
    expect(texts(boundaries)).toEqual(expect.arrayContaining(titles));
  });

  it('is deterministic, and --no-figures --quiet writes no figures and no chart', async () => {
    const out = join(work, 'none');
    const [a, b] = [await cli('demo', 'xor', '--epochs', '30', '--seed', '3', '--quiet', '--no-figures', '--out', out),
      await cli('demo', 'xor', '--epochs', '30', '--seed', '3', '--quiet', '--no-figures')];
    expect(a.summaries[0]!.stepLosses).toEqual(b.summaries[0]!.stepLosses);
    expect(a.stdout).not.toContain('┤');
    expect(a.stdout).not.toContain('figures in');
    expect(existsSync(out)).toBe(false);
  });
});

describe('puregrad demo digits (shortened)', () => {
  it('one epoch of the MLP on the real digits reaches 85 % on the 2,000 held-out ones', async () => {
    const out = join(work, 'digits');
    const s = await digitsDemo({ epochs: 1, augment: 0, out });
    expect(s.accuracyOf).toBe('2,000 held-out digits');
    expect(s.accuracy).toBeGreaterThanOrEqual(0.85);
    expect(s.steps).toBe(Math.ceil(8000 / 128));
    const mistakes = readFileSync(join(out, 'digits-mlp-mistakes.svg'), 'utf8');
    expect(marks(mistakes).rect).toBe(32); // one panel of pixels per misclassified digit
    const captions = texts(mistakes).filter((t) => t.includes('→'));
    expect(captions).toHaveLength(32 + 1); // and the title, "(label→prediction)"
    for (const c of captions.slice(0, -1)) expect(c).toMatch(/^(\d)→(?!\1)\d$/);
    expect(curves(readFileSync(join(out, 'digits-mlp-accuracy.svg'), 'utf8'))).toEqual([1, 1]);
    expect(curves(readFileSync(join(out, 'digits-mlp-loss.svg'), 'utf8'))).toEqual([0.35, 1, 1]); // the batch loss faint, first
  });
});

describe('figures', () => {
  it('lossCurves draws one line per series and names the series in a legend', async () => {
    const svg = await lossCurves([
      { name: 'train', points: [{ x: 1, y: 1 }, { x: 2, y: 0.5 }] },
      { name: 'test', points: [{ x: 1, y: 1.2 }, { x: 2, y: 0.7 }] },
    ], { title: 'loss', logY: true });
    expect(curves(svg)).toEqual([1, 1]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['loss', 'train', 'test']));
  });

  it('digitGrid draws only inked pixels and captions each image; filterGrid draws every weight', async () => {
    const bar = Array.from({ length: 16 }, (_, i) => (i % 4 === 1 ? 1 : 0)); // a 4×4 image with one inked column
    const svg = await digitGrid([{ pixels: bar, caption: '1→7' }, { pixels: bar, caption: '1→4' }], { columns: 2 });
    expect((svg.match(/<path d="M[^"]*" fill="rgb\(0, 0, 0\)"/g) ?? []).length).toBe(8);
    expect(texts(svg)).toEqual(expect.arrayContaining(['1→7', '1→4']));
    const filters = await filterGrid([[[1, -1], [0, 0.5]], [[0, 0], [0, 0]], [[-2, 0], [0, 2]]]);
    expect(marks(filters).rect).toBe(3);
    expect(texts(filters)).toEqual(expect.arrayContaining(['1', '2', '3']));
    await expect(digitGrid([{ pixels: [1, 2, 3], caption: '' }])).rejects.toThrow('square number of pixels');
  });

  it('decisionBoundaries lays out one panel per stage', async () => {
    const grid = { xs: [0, 1], ys: [0, 1], p: [[0.1, 0.9], [0.2, 0.8]] };
    const points = [{ x: 0, y: 1, label: 1 }];
    const svg = await decisionBoundaries(['first', 'second', 'third'].map((title) => ({ title, grid, points })));
    expect(marks(svg)).toMatchObject({ rect: 3, symbol: 3 });
    expect(texts(svg)).toEqual(expect.arrayContaining(['first', 'second', 'third']));
  });

  it('boundaryGrid evaluates the classifier on a grid, one row per y', () => {
    const predict = (x: Tensor) => nn.sigmoid(sub(take(x, [0], { axis: 1 }), take(x, [1], { axis: 1 })).mul(4));
    const g = boundaryGrid(predict, { x: [0, 1], y: [-1, 1] }, 3);
    expect(g.xs).toEqual([0, 0.5, 1]);
    expect(g.ys).toEqual([-1, 0, 1]);
    g.ys.forEach((y, i) => g.xs.forEach((x, j) => expect(g.p[i]![j]).toBeCloseTo(1 / (1 + Math.exp(-4 * (x - y))), 6)));
    const twoClass = boundaryGrid((x) => nn.softmax(x), { x: [0, 1], y: [0, 1] }, 2); // softmax of (x, y): column 1 is P(class 1)
    expect(twoClass.p[1]![0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(() => boundaryGrid((x) => x.sum(), { x: [0, 1], y: [0, 1] }, 2)).toThrow('must return [M], [M, 1] or [M, 2]');
  });

  it('lossChart draws the loss on a log scale when it spans decades', () => {
    const losses = Array.from({ length: 100 }, (_, i) => 10 ** (-i / 25)); // from 1 down to 1e-4
    const rows = lossChart(losses, 20, 4).split('\n');
    expect(rows).toHaveLength(5);
    const labels = rows.map((row) => Number(row.split(/[┼┤]/)[0]));
    const ratios = labels.slice(1).map((l, i) => labels[i]! / l);
    for (const r of ratios) expect(r).toBeCloseTo(ratios[0]!, 1); // evenly spaced in log10
    const columnMean = (c: number) => losses.slice(5 * c, 5 * c + 5).reduce((a, b) => a + b) / 5; // 20 columns of 5 steps
    expect(labels[0]).toBeCloseTo(columnMean(0), 3);
    expect(labels.at(-1)! / columnMean(19)).toBeCloseTo(1, 2);
    expect(lossChart([0.5, 0.4, 0.45], 10, 2).split('\n')[0]).toMatch(/^ +0\.5 ┼/); // linear for a narrow range
  });
});

describe('the digits and the staged run', () => {
  it('loads 10,000 digits in [0, 1] with int32 labels, about 1,000 of each, split by key', () => {
    const ds = loadDigits();
    expect([ds.x.shape, ds.x.dtype, ds.y.shape, ds.y.dtype]).toEqual([[10000, 784], 'float32', [10000], 'int32']);
    const counts = Array.from({ length: 10 }, (_, d) => Array.from(ds.y.toTypedArray()).filter((l) => l === d).length);
    expect(Math.min(...counts)).toBeGreaterThan(800);
    expect([ds.x.min().item(), ds.x.max().item()]).toEqual([0, 1]);
    const [a, b] = [splitDigits(random.key(5), ds), splitDigits(random.key(5), ds)];
    expect(a[1].y.toArray()).toEqual(b[1].y.toArray());
    expect(data.size(a[1])).toBe(2000);
  });

  it('withShiftedCopies moves each copy by whole pixels, the labels following', () => {
    const pixels = new Float32Array(784);
    pixels[14 * 28 + 14] = 1; // one inked pixel in the middle
    const ds = { x: tensor(pixels, { shape: [1, 784] }), y: tensor([7], { dtype: 'int32' }) };
    const aug = withShiftedCopies(random.key(0), ds, 6, 2);
    expect(aug.y.toArray()).toEqual([7, 7, 7, 7, 7, 7, 7]);
    const x = aug.x.toTypedArray();
    for (let c = 0; c < 7; c++) {
      const inked = Array.from(x.subarray(c * 784, (c + 1) * 784)).flatMap((v, i) => (v === 1 ? [i] : []));
      expect(inked).toHaveLength(1);
      const [r, q] = [Math.floor(inked[0]! / 28), inked[0]! % 28];
      expect(Math.max(Math.abs(r - 14), Math.abs(q - 14))).toBeLessThanOrEqual(2);
    }
  });

  it('fitWithSnapshots is train.fit: one continuous run, whatever the stages', () => {
    const net = nn.mlp([2, 6, 2], { activation: nn.tanh });
    const options = {
      key: random.key(1), params: net.init(random.key(2)), optimizer: optim.adam(0.05), epochs: 12,
      data: data.spirals(random.key(3), { n: 8 }), batchSize: 'full' as const,
      loss: (p: nn.MlpParams, b: data.Dataset) => nn.sparseSoftmaxCrossEntropy(net.apply(p, b.x), b.y),
    };
    const whole = train.fit(options);
    const staged = fitWithSnapshots(options, [0, 3, 7]);
    expect(staged.steps.map((s) => s.loss)).toEqual(whole.history.steps.map((s) => s.loss));
    expect(staged.steps.map((s) => s.step)).toEqual(whole.history.steps.map((s) => s.step));
    expect(staged.epochs.map((e) => e.metrics)).toEqual(whole.history.epochs.map((e) => e.metrics));
    expect(staged.snapshots.map((s) => s.epoch)).toEqual([0, 3, 7]);
    expect(staged.params[0]!.w.toArray()).toEqual(whole.params[0]!.w.toArray());
  });
});
