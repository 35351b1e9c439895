/**
 * Datasets and batching, deterministic from a key. A `Dataset` is two tensors
 * with one example per row of axis 0; every function here returns new frozen
 * datasets and never changes the one it is given.
 *
 * An epoch's batches are one permutation of the examples (drawn from the key
 * with `random.permutation`, applied to `x` and `y` alike with one `take`
 * each) cut into consecutive `slice`s. So the work per epoch is one gather of
 * the data plus one slice per batch, whatever the batch size, and the same key
 * always gives the same batches.
 */

import { PuregradError } from '../tensor/errors.ts';
import { slice, take } from '../ops/index.ts';
import { checkOptionKeys } from '../nn/options.ts';
import { permutation } from '../random/index.ts';
import { checkKey } from '../random/keys.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { checkBatchSize, checkDataset, checkFlag, describeValue } from './checks.ts';
import type { BatchSize, Dataset } from './types.ts';

const frozen = (x: Tensor, y: Tensor): Dataset => Object.freeze({ x, y });

/**
 * The number of examples: the length of axis 0 of `x` (and of `y`).
 * @example
 * data.size(data.xor()) // => 4
 */
export function size(ds: Dataset): number {
  checkDataset('data.size', ds);
  return ds.x.shape[0]!;
}

/** The examples at `indices` (int32, along axis 0), from both tensors. */
const takeRows = (ds: Dataset, indices: Tensor): Dataset =>
  frozen(take(ds.x, indices, { axis: 0 }), take(ds.y, indices, { axis: 0 }));

/** Examples `begin` … `end − 1`. */
const sliceRows = (ds: Dataset, begin: number, end: number): Dataset =>
  frozen(slice(ds.x, [begin], [end]), slice(ds.y, [begin], [end]));

/**
 * The examples in a random order drawn from `key`: one permutation applied to
 * `x` and `y` alike, so every input keeps its target. Same key, same order.
 * @example
 * const ds = { x: tensor([[0], [1], [2], [3]]), y: tensor([0, 10, 20, 30]) }
 * const s = data.shuffle(random.key(0), ds)
 * mul(s.x.reshape([4]), 10).sub(s.y).abs().max() // => 0
 * s.y // => [0, 10, 30, 20]
 * s.y.sum() // => 60
 */
export function shuffle(key: Tensor, ds: Dataset): Dataset {
  checkKey('data.shuffle', key);
  checkDataset('data.shuffle', ds);
  return takeRows(ds, permutation(key, ds.x.shape[0]!));
}

/** Options of `data.batch`. */
export interface BatchOptions {
  /** Leave out the last batch when it is shorter than `batchSize` (default false). */
  readonly dropLast?: boolean;
}

/**
 * Consecutive batches of `batchSize` examples, in order; the last is shorter
 * when `batchSize` does not divide the size, unless `dropLast` leaves it out.
 * @example
 * const b = data.batch(data.xor(), 3)
 * b.map((d) => d.x.shape) // => [[3, 2], [1, 2]]
 * b[1].y // => [0]
 * data.batch(data.xor(), 3, { dropLast: true }).length // => 1
 */
export function batch(ds: Dataset, batchSize: number, options: BatchOptions = {}): readonly Dataset[] {
  checkDataset('data.batch', ds);
  checkBatchSize('data.batch', batchSize, false);
  checkOptionKeys('data.batch', options, ['dropLast']);
  checkFlag('data.batch', 'dropLast', options.dropLast);
  return cut(ds, batchSize, options.dropLast ?? false);
}

function cut(ds: Dataset, batchSize: number, dropLast: boolean): readonly Dataset[] {
  const n = ds.x.shape[0]!;
  const count = dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
  if (count === 1 && n <= batchSize) return Object.freeze([frozen(ds.x, ds.y)]); // the whole set: no copy
  const part = (i: number): Dataset => sliceRows(ds, i * batchSize, Math.min(n, (i + 1) * batchSize));
  return Object.freeze(Array.from({ length: count }, (_, i) => part(i)));
}

/** Options of `data.batches`: the regime, and whether to shuffle. */
export interface BatchesOptions {
  /** `'full'` (one batch of every example), a mini-batch size `n`, or `1` (one example at a time). */
  readonly batchSize: BatchSize;
  /**
   * Draw a new order from the key (default true).
   * A full batch is never reordered: its mean would only round differently.
   */
  readonly shuffle?: boolean;
  /** Leave out a last batch shorter than `batchSize` (default false). */
  readonly dropLast?: boolean;
}

/**
 * One epoch's batches: the examples shuffled by `key` (unless `shuffle:
 * false`) and cut into batches of `batchSize`. The three regimes learners
 * compare are this one option: `'full'` gives a single batch of everything,
 * `n` mini-batches, `1` one example per step. Same key, same batches; derive
 * a key per epoch (`random.foldIn(key, epoch)`) for a new order each epoch.
 * @example
 * const ds = data.spirals(random.key(0), { n: 10 })
 * data.batches(random.key(1), ds, { batchSize: 'full' }).length // => 1
 * data.batches(random.key(1), ds, { batchSize: 8 }).map((b) => data.size(b)) // => [8, 8, 4]
 * data.batches(random.key(1), ds, { batchSize: 1 }).length // => 20
 */
export function batches(key: Tensor, ds: Dataset, options: BatchesOptions): readonly Dataset[] {
  checkKey('data.batches', key);
  checkDataset('data.batches', ds);
  const o = checkBatchesOptions('data.batches', options);
  const n = ds.x.shape[0]!;
  const b = o.batchSize === 'full' ? Math.max(n, 1) : o.batchSize;
  const order = o.shuffle && b < n ? shuffle(key, ds) : ds;
  return cut(order, b, o.dropLast);
}

/** Validated options of `batches`, defaults filled in. */
function checkBatchesOptions(op: string, options: unknown): Required<BatchesOptions> {
  if (options === undefined) throw new PuregradError(op, "needs options with a batchSize: { batchSize: 'full' | n | 1 }");
  checkOptionKeys(op, options, ['batchSize', 'shuffle', 'dropLast']);
  const { batchSize, shuffle: sh, dropLast } = options as BatchesOptions;
  checkBatchSize(op, batchSize);
  checkFlag(op, 'shuffle', sh);
  checkFlag(op, 'dropLast', dropLast);
  return { batchSize, shuffle: sh ?? true, dropLast: dropLast ?? false };
}

/** Options of `data.split`. */
export interface SplitOptions {
  /** The held-out part: a fraction in (0, 1) of the examples, or a whole number of them (at least 1, fewer than all). */
  readonly test: number;
}

/**
 * Split into `[train, test]` at random: the examples are shuffled by `key`,
 * the first ones train and the last `test` are held out. `test` is a
 * fraction (0.2: a fifth, rounded to a whole example) or a count (2000). The
 * two parts are disjoint and together hold every example once.
 * @example
 * const [tr, te] = data.split(random.key(0), data.spirals(random.key(1), { n: 50 }), { test: 0.2 })
 * [data.size(tr), data.size(te)] // => [80, 20]
 * data.size(data.split(random.key(0), data.xor(), { test: 1 })[1]) // => 1
 */
export function split(key: Tensor, ds: Dataset, options: SplitOptions): readonly [Dataset, Dataset] {
  checkKey('data.split', key);
  checkDataset('data.split', ds);
  if (options === undefined) {
    throw new PuregradError('data.split', 'needs options { test }: a fraction such as 0.2, or a count');
  }
  checkOptionKeys('data.split', options, ['test']);
  const n = ds.x.shape[0]!;
  const t = options.test;
  const count = typeof t !== 'number' || !Number.isFinite(t) ? NaN : t > 0 && t < 1 ? Math.round(t * n) : t;
  if (!Number.isInteger(count) || count < 1 || count >= n) {
    const got = typeof t === 'number' && t > 0 && t < 1 ? `${t} of ${n} examples rounds to ${count}` : describeValue(t);
    throw new PuregradError('data.split', `test must be a fraction in (0, 1) or a whole number of examples that leaves ` +
      `at least one in each part (1 … ${n - 1} of ${n}), got ${got}`);
  }
  const shuffled = shuffle(key, ds);
  return Object.freeze([sliceRows(shuffled, 0, n - count), sliceRows(shuffled, n - count, n)] as const);
}
