/**
 * `data` by example and by property: batching shapes (short last batch,
 * dropLast), the three regimes' batch counts, shuffles that keep each input
 * with its target, splits that partition the examples, the toy sets' shapes,
 * dtypes, balance and dependence on their key, and the errors bad input gets.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arange, concatenate, data, random, reshape, tensor } from '../src/index.ts';
import type { Dataset, Tensor } from '../src/index.ts';
import { expectOpError } from './support.ts';

/** n examples whose input row i is [i, 2i] and whose target is 10·i, so any row tells which example it is. */
const numbered = (n: number): Dataset => ({
  x: concatenate([reshape(arange(0, n), [n, 1]), reshape(arange(0, 2 * n, 2), [n, 1])], 1),
  y: arange(0, 10 * n, 10, 'int32'),
});
const ids = (ds: Dataset): number[] => Array.from(ds.y.toTypedArray(), (v) => v / 10);
const rows = (t: Tensor): number[][] => t.toArray() as number[][];
const aligned = (ds: Dataset): boolean => rows(ds.x).every(([a, b], i) => a! * 10 === ds.y.toTypedArray()[i] && b === 2 * a!);
const sorted = (xs: readonly number[]): number[] => [...xs].sort((a, b) => a - b);

describe('batch', () => {
  it('cuts consecutive batches in order, the last one short', () => {
    const parts = data.batch(numbered(10), 4);
    expect(parts.map((b) => b.x.shape)).toEqual([[4, 2], [4, 2], [2, 2]]);
    expect(parts.map((b) => b.y.shape)).toEqual([[4], [4], [2]]);
    expect(parts.flatMap(ids)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(parts.every(aligned)).toBe(true);
  });

  it('dropLast leaves out a short last batch, and only a short one', () => {
    expect(data.batch(numbered(10), 4, { dropLast: true }).map(ids)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(data.batch(numbered(8), 4, { dropLast: true }).length).toBe(2);
    expect(data.batch(numbered(3), 4, { dropLast: true })).toEqual([]);
  });

  it('a batch size of at least the size gives one batch of everything', () => {
    for (const b of [10, 11, 1000]) expect(data.batch(numbered(10), b).map(ids)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it('batches of any size put back together give the dataset (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 45 }), fc.boolean(), (n, b, dropLast) => {
        const parts = data.batch(numbered(n), b, { dropLast });
        const full = Math.floor(n / b);
        expect(parts.length).toBe(dropLast || n % b === 0 ? full : full + 1);
        expect(parts.slice(0, full).every((p) => data.size(p) === b)).toBe(true);
        expect(parts.flatMap(ids)).toEqual(Array.from({ length: dropLast ? full * b : n }, (_, i) => i));
      }),
      { seed: 9, numRuns: 60 },
    );
  });
});

describe('shuffle', () => {
  it('is one permutation applied to x and y: every input keeps its target (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const s = data.shuffle(random.key(seed), numbered(n));
        expect(aligned(s)).toBe(true);
        expect(sorted(ids(s))).toEqual(Array.from({ length: n }, (_, i) => i));
      }),
      { seed: 11, numRuns: 60 },
    );
  });

  it('the same key gives the same order; another key another order', () => {
    const ds = numbered(50);
    expect(ids(data.shuffle(random.key(3), ds))).toEqual(ids(data.shuffle(random.key(3), ds)));
    expect(ids(data.shuffle(random.key(3), ds))).not.toEqual(ids(data.shuffle(random.key(4), ds)));
    expect(ids(data.shuffle(random.key(3), ds))).not.toEqual(ids(ds));
  });

  it('keeps the dtypes and trailing shapes of both tensors', () => {
    const x = tensor([[[1]], [[2]], [[3]]], { dtype: 'float64' });
    const ds = { x, y: tensor([[1, 0], [0, 1], [1, 1]], { dtype: 'int32' }) };
    const s = data.shuffle(random.key(0), ds);
    expect([s.x.dtype, s.x.shape, s.y.dtype, s.y.shape]).toEqual(['float64', [3, 1, 1], 'int32', [3, 2]]);
  });
});

describe('batches: the three regimes as one option', () => {
  const ds = numbered(20);
  const key = random.key(1);

  it("'full' is one batch of every example, in the data's order", () => {
    const b = data.batches(key, ds, { batchSize: 'full' });
    expect(b.map(ids)).toEqual([ids(ds)]);
  });

  it('n gives ⌈N/n⌉ mini-batches (⌊N/n⌋ with dropLast) covering a shuffled epoch', () => {
    const b = data.batches(key, ds, { batchSize: 6 });
    expect(b.map(data.size)).toEqual([6, 6, 6, 2]);
    expect(sorted(b.flatMap(ids))).toEqual(ids(ds));
    expect(b.flatMap(ids)).not.toEqual(ids(ds));
    expect(b.every(aligned)).toBe(true);
    expect(data.batches(key, ds, { batchSize: 6, dropLast: true }).map(data.size)).toEqual([6, 6, 6]);
  });

  it('1 gives one example per batch: N batches', () => {
    const b = data.batches(key, ds, { batchSize: 1 });
    expect(b.length).toBe(20);
    expect(b.every((p) => data.size(p) === 1)).toBe(true);
    expect(sorted(b.flatMap(ids))).toEqual(ids(ds));
  });

  it('the order is the shuffle of the same key, and shuffle: false keeps the data order', () => {
    expect(data.batches(key, ds, { batchSize: 6 }).flatMap(ids)).toEqual(ids(data.shuffle(key, ds)));
    expect(data.batches(key, ds, { batchSize: 6, shuffle: false }).flatMap(ids)).toEqual(ids(ds));
    const order = (k: Tensor) => data.batches(k, ds, { batchSize: 6 }).flatMap(ids);
    expect(order(random.key(2))).not.toEqual(order(key));
  });
});

describe('split', () => {
  it('a fraction or a count of held-out examples; the parts are disjoint and cover the set', () => {
    const ds = numbered(50);
    for (const [test, expected] of [[0.2, 10], [0.5, 25], [0.01, 1], [7, 7], [1, 1], [49, 49]] as const) {
      const [tr, te] = data.split(random.key(5), ds, { test });
      expect([data.size(tr), data.size(te)]).toEqual([50 - expected, expected]);
      const a = ids(tr);
      const b = ids(te);
      expect(a.filter((i) => b.includes(i))).toEqual([]);
      expect(sorted([...a, ...b])).toEqual(ids(ds));
      expect(aligned(tr) && aligned(te)).toBe(true);
    }
  });

  it('depends on the key, and only on the key', () => {
    const ds = numbered(30);
    const test = (k: number) => ids(data.split(random.key(k), ds, { test: 5 })[1]);
    expect(test(1)).toEqual(test(1));
    expect(test(1)).not.toEqual(test(2));
  });
});

describe('toy sets', () => {
  const labels = (ds: Dataset): number[] => Array.from(ds.y.toTypedArray());

  it('xor: the four corners, labelled by exclusive or', () => {
    const ds = data.xor();
    expect([ds.x.dtype, ds.x.shape, ds.y.dtype, ds.y.shape]).toEqual(['float32', [4, 2], 'int32', [4]]);
    expect(rows(ds.x).map(([a, b]) => (a! + b!) % 2)).toEqual(labels(ds));
  });

  for (const [name, make] of [
    ['spirals', (k: Tensor, n: number) => data.spirals(k, { n })],
    ['circles', (k: Tensor, n: number) => data.circles(k, { n })],
  ] as const) {
    it(`${name}: float32 [2n, 2] points, int32 [2n] labels, n of each, mixed order`, () => {
      const ds = make(random.key(0), 40);
      expect([ds.x.dtype, ds.x.shape, ds.y.dtype, ds.y.shape]).toEqual(['float32', [80, 2], 'int32', [80]]);
      const ys = labels(ds);
      expect(ys.filter((v) => v === 1).length).toBe(40);
      expect(ys.filter((v) => v === 0).length).toBe(40);
      expect(ys.slice(0, 40).filter((v) => v === 1).length).toBeGreaterThan(5); // shuffled, not 40 zeros then 40 ones
      expect(rows(ds.x).flat().every(Number.isFinite)).toBe(true);
    });

    it(`${name}: the same key gives the same points, another key other points`, () => {
      const a = make(random.key(3), 20);
      expect(a.x.toArray()).toEqual(make(random.key(3), 20).x.toArray());
      expect(labels(a)).toEqual(labels(make(random.key(3), 20)));
      expect(a.x.toArray()).not.toEqual(make(random.key(4), 20).x.toArray());
    });
  }

  it('spirals without noise lie on their arms: angle = 2π·turns·r (+π on arm 1)', () => {
    const ds = data.spirals(random.key(2), { n: 30, noise: 0, turns: 1 });
    rows(ds.x).forEach(([a, b], i) => {
      const r = Math.hypot(a!, b!);
      expect(r).toBeLessThan(1);
      const expected = 2 * Math.PI * r + (labels(ds)[i] === 1 ? Math.PI : 0);
      const diff = Math.atan2(b!, a!) - expected;
      expect(Math.abs(Math.atan2(Math.sin(diff), Math.cos(diff)))).toBeLessThan(1e-4);
    });
  });

  it('circles without noise: label 0 on the unit circle, label 1 at radius factor', () => {
    const ds = data.circles(random.key(2), { n: 25, noise: 0, factor: 0.3 });
    rows(ds.x).forEach(([a, b], i) => expect(Math.hypot(a!, b!)).toBeCloseTo(labels(ds)[i] === 1 ? 0.3 : 1, 5));
  });
});

describe('inputs are never changed', () => {
  it('frozen datasets and options are accepted, and every result is frozen', () => {
    const ds = Object.freeze(numbered(9));
    const before = [ds.x.toArray(), ds.y.toArray()];
    const outs = [
      data.shuffle(random.key(0), ds),
      ...data.batch(ds, 4, Object.freeze({ dropLast: false })),
      ...data.batches(random.key(0), ds, Object.freeze({ batchSize: 2, shuffle: true, dropLast: true })),
      ...data.split(random.key(0), ds, Object.freeze({ test: 3 })),
      data.spirals(random.key(0), Object.freeze({ n: 3 })),
    ];
    expect(outs.every((o) => Object.isFrozen(o))).toBe(true);
    expect(Object.isFrozen(data.batch(ds, 4))).toBe(true);
    expect([ds.x.toArray(), ds.y.toArray()]).toEqual(before);
  });
});

describe('errors name the op and say what to pass', () => {
  const ds = numbered(5);
  const k0 = random.key(0);

  it('a batch size that is not a positive integer (or full, where allowed)', () => {
    for (const b of [0, -1, 1.5, NaN, 'bogus', '3']) {
      expectOpError(() => data.batch(ds, b as number), 'data.batch', 'batchSize must be a positive integer');
      expectOpError(() => data.batches(k0, ds, { batchSize: b as number }), 'data.batches', "'full' (the whole set)");
    }
    expectOpError(() => data.batch(ds, 'full' as unknown as number), 'data.batch', 'got the string "full"');
    expectOpError(() => data.batches(random.key(0), ds, undefined as never), 'data.batches', 'needs options with a batchSize');
  });

  it('x and y of different lengths, scalars, and things that are not datasets', () => {
    const bad = { x: tensor([[1], [2], [3]]), y: tensor([1, 2]) };
    expectOpError(() => data.batch(bad, 2), 'data.batch', '3 inputs and 2 targets');
    expectOpError(() => data.shuffle(random.key(0), bad), 'data.shuffle', 'x of shape [3,1] but y of shape [2]');
    expectOpError(() => data.size({ x: tensor(1), y: tensor(1) }), 'data.size', 'is a scalar');
    expectOpError(() => data.size({ x: [1, 2] } as never), 'data.size', 'needs a tensor x');
    expectOpError(() => data.size(null as never), 'data.size', 'must be an object { x, y }');
  });

  it('unknown option names and bad flags', () => {
    expectOpError(() => data.batch(ds, 2, { droplast: true } as never), 'data.batch', "unknown option 'droplast'");
    expectOpError(() => data.batches(k0, ds, { batchSize: 2, shufle: false } as never), 'data.batches', "unknown option 'shufle'");
    expectOpError(() => data.batches(k0, ds, { batchSize: 2, shuffle: 'yes' } as never), 'data.batches', 'shuffle must be true or false');
    expectOpError(() => data.spirals(random.key(0), { points: 3 } as never), 'data.spirals', "unknown option 'points'");
  });

  it('bad keys, split sizes and toy-set options', () => {
    expectOpError(() => data.shuffle(tensor([1, 2]), ds), 'data.shuffle', 'key must be an int32 tensor of shape [2]');
    for (const test of [0, 5, 6, -1, 1.5, NaN]) {
      expectOpError(() => data.split(k0, ds, { test }), 'data.split', '1 … 4 of 5');
    }
    expectOpError(() => data.split(random.key(0), ds, { test: 0.05 }), 'data.split', 'rounds to 0');
    expectOpError(() => data.spirals(random.key(0), { n: 0 }), 'data.spirals', 'n must be a positive integer');
    expectOpError(() => data.spirals(random.key(0), { noise: -1 }), 'data.spirals', 'noise must be a standard deviation');
    expectOpError(() => data.spirals(random.key(0), { turns: 0 }), 'data.spirals', 'turns must be a positive number');
    expectOpError(() => data.circles(random.key(0), { factor: 1 }), 'data.circles', 'factor must be in (0, 1)');
  });
});
