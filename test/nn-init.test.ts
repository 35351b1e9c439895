/**
 * nn.init: the variance laws (sample variance matches JAX's variance_scaling
 * formula within a few standard errors, for random layer shapes and on 10⁵
 * samples), orthogonality, shapes, dtypes and determinism, and agreement with
 * the values JAX publishes in the docstrings of jax/_src/nn/initializers.py.
 *
 * Those docstring examples all use PRNGKey(42) and shape (2, 3) with the legacy
 * (non-partitionable) Threefry derivation, so their random bits are not ours;
 * but within one docstring set they share bits: `uniform(10)` shows the unit
 * floats u, `truncated_normal(5)` the truncated normals t, `normal(5)` the
 * normals n. From those, the glorot/he/lecun examples pin our scale constants
 * (bound √(3·variance) on 2u − 1, stddev √variance / .87962566103423978), and
 * the orthogonal example, the QR of n reshaped to (3, 2) with R's diagonal made
 * positive, then transposed, pins our QR and its sign convention.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Tensor } from '../src/index.ts';
import { eye, jit, matmul, nn, random, reshape, tensor, transpose, vmap } from '../src/index.ts';
import type { Initializer } from '../src/nn/init.ts';
import { orthogonalFromNormal } from '../src/nn/qr.ts';

const values = (t: Tensor): number[] => Array.from(t.toTypedArray() as Float32Array | Float64Array);
const stats = (xs: number[]) => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, b) => a + b * b, 0) / xs.length };
};
/** Excess-kurtosis factor of the variance estimator: Var(x²)/σ⁴ = κ − 1 (normal 2, uniform 0.8, normal truncated at ±2 ≈ 1.37). */
const spread = { normal: 2, uniform: 0.8, truncatedNormal: 1.37 } as const;

/** Sample mean and variance within `z` standard errors of 0 and `expected`. */
function expectVariance(x: Tensor, expected: number, distribution: keyof typeof spread, z = 5): void {
  const xs = values(x);
  const { mean, variance } = stats(xs);
  expect(Math.abs(mean)).toBeLessThan(z * Math.sqrt(expected / xs.length));
  const se = expected * Math.sqrt(spread[distribution] / xs.length);
  if (!(Math.abs(variance - expected) < z * se)) throw new Error(`variance ${variance}, expected ${expected} ± ${z * se}`);
}

const family: [string, Initializer, number, 'fanIn' | 'fanOut' | 'fanAvg', keyof typeof spread][] = [
  ['glorotUniform', nn.init.glorotUniform, 1, 'fanAvg', 'uniform'],
  ['glorotNormal', nn.init.glorotNormal, 1, 'fanAvg', 'truncatedNormal'],
  ['heUniform', nn.init.heUniform, 2, 'fanIn', 'uniform'],
  ['heNormal', nn.init.heNormal, 2, 'fanIn', 'truncatedNormal'],
  ['lecunUniform', nn.init.lecunUniform, 1, 'fanIn', 'uniform'],
  ['lecunNormal', nn.init.lecunNormal, 1, 'fanIn', 'truncatedNormal'],
];
const fanOf = (mode: string, fanIn: number, fanOut: number) => (mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2);

describe('variance scaling', () => {
  it('fans count the receptive field of a convolution kernel, as JAX _compute_fans', () => {
    expect(nn.init.computeFans([784, 128])).toEqual([784, 128]);
    expect(nn.init.computeFans([3, 3, 16, 32])).toEqual([144, 288]);
    expect(nn.init.computeFans([5, 4, 6], { inAxis: 0, outAxis: 2 })).toEqual([20, 24]);
    expect(nn.init.computeFans([8, 3, 5, 7], { batchAxis: [0] })).toEqual([15, 21]);
    expect(nn.init.computeFans([2, 3, 4, 5], { inAxis: [0, 1], outAxis: -1 })).toEqual([24, 20]);
    expect(() => nn.init.computeFans([10])).toThrow(/fans are defined for weights of at least 2 axes, got shape \[10\]/);
    // each preset names itself in its errors (review: heNormal's said "varianceScaling")
    expect(() => nn.init.heNormal(random.key(0), [4], {})).toThrow(/nn.init.heNormal: fans are defined/);
    expect(() => nn.init.varianceScaling(2, 'fanIn', 'normal')(random.key(0), [4])).toThrow(/nn.init.varianceScaling: fans are defined/);
    expect(() => nn.init.computeFans([2, 3], { inAxis: 2 })).toThrow(/inAxis 2 is out of range for shape \[2,3\]/);
  });

  for (const [name, init, scale, mode, distribution] of family) {
    it(`${name}: variance ${scale}/${mode} on 10⁵ samples (float64), truncation at 2 stddev`, () => {
      const x = init(random.key(1), [250, 400], { dtype: 'float64' });
      const variance = scale / fanOf(mode, 250, 400);
      expectVariance(x, variance, distribution);
      const limit = distribution === 'uniform' ? Math.sqrt(3 * variance) : (2 * Math.sqrt(variance)) / 0.87962566103423978;
      expect(values(x).every((v) => Math.abs(v) < limit)).toBe(true);
    });
  }

  it('law: for random dense and conv shapes, every family member has the variance of its formula', () => {
    const shapes = fc.oneof(
      fc.tuple(fc.integer({ min: 40, max: 200 }), fc.integer({ min: 40, max: 200 })),
      fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 8, max: 32 }), fc.integer({ min: 8, max: 64 })),
    );
    fc.assert(fc.property(shapes, fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: family.length - 1 }), (shape, seed, which) => {
      const [, init, scale, mode, distribution] = family[which]!;
      const size = shape.reduce((a, b) => a * b, 1);
      const receptive = size / shape[shape.length - 1]! / shape[shape.length - 2]!;
      const fanIn = shape[shape.length - 2]! * receptive, fanOut = shape[shape.length - 1]! * receptive;
      const x = init(random.key(seed), shape, { dtype: 'float64' });
      expect(x.shape).toEqual(shape);
      expectVariance(x, scale / fanOf(mode, fanIn, fanOut), distribution);
    }), { numRuns: 30, seed: 20261127 });
  });

  it('varianceScaling: fanOut mode, normal distribution, axes given at build time or at the call', () => {
    const init = nn.init.varianceScaling(3, 'fanOut', 'normal', { inAxis: 0, outAxis: 1 });
    expectVariance(init(random.key(2), [300, 200, 2], { dtype: 'float64' }), 3 / (200 * 2), 'normal');
    const he = nn.init.heNormal(random.key(2), [200, 300], { inAxis: 1, outAxis: 0, dtype: 'float64' });
    expectVariance(he, 2 / 300, 'truncatedNormal');
    expect(() => nn.init.varianceScaling(1, 'fan_in' as 'fanIn', 'normal')).toThrow(/mode must be 'fanIn', 'fanOut' or 'fanAvg'/);
    expect(() => nn.init.varianceScaling(0, 'fanIn', 'normal')).toThrow(/scale must be positive/);
  });

  it("agrees with JAX's published docstring values (see the header for how)", () => {
    const u = [7.298188, 8.691938, 8.7230015, 2.0818567, 1.8662417, 5.5022564].map((v) => v / 10);
    const t = [2.9047365, 5.2338114, 5.29852, -3.836303, -4.192359, 0.6022964].map((v) => v / 5);
    const jax: Record<string, number[]> = {
      glorotUniform: [0.50350785, 0.8088631, 0.81566876, -0.6393332, -0.6865721, 0.11003882],
      glorotNormal: [0.41770416, 0.75262755, 0.7619329, -0.5516644, -0.6028657, 0.08661086],
      heUniform: [0.79611576, 1.2789248, 1.2896855, -1.0108745, -1.0855657, 0.17398663],
      heNormal: [0.6604483, 1.1900088, 1.2047218, -0.87225807, -0.95321447, 0.1369438],
      lecunUniform: [0.56293887, 0.90433645, 0.9119454, -0.71479625, -0.7676109, 0.12302713],
      lecunNormal: [0.46700746, 0.8414632, 0.8518669, -0.61677957, -0.67402434, 0.09683388],
    };
    const key = random.key(42);
    for (const [name, init, , , distribution] of family) {
      // our factor: the initializer over the raw sample it scales (same key, same draws)
      const raw = distribution === 'uniform'
        ? random.uniform(key, [2, 3], { minval: -1, maxval: 1 }) : random.truncatedNormal(key, [2, 3]);
      const ours = values(init(key, [2, 3]));
      const factor = ours[0]! / values(raw)[0]!;
      values(raw).forEach((r, i) => expect(Math.abs(ours[i]! - r * factor)).toBeLessThanOrEqual(Math.abs(ours[i]!) * 2 ** -23));
      // JAX's factor: its published output over its own draws
      const draws = distribution === 'uniform' ? u.map((v) => 2 * v - 1) : t;
      jax[name]!.forEach((v, i) => expect(v / draws[i]!).toBeCloseTo(factor, 5));
    }
    // uniform(scale) is on [0, scale), normal(stddev) and truncatedNormal(stddev) scale the raw draws
    expect(values(nn.init.uniform(key, [2, 3], { scale: 10 }))).toEqual(values(random.uniform(key, [2, 3]).mul(10)));
    expect(values(nn.init.normal(key, [2, 3], { stddev: 5 }))).toEqual(values(random.normal(key, [2, 3]).mul(5)));
    expect(values(nn.init.truncatedNormal(key, [2, 3], { stddev: 5 }))).toEqual(values(random.truncatedNormal(key, [2, 3]).mul(5)));
  });
});

describe('orthogonal', () => {
  it("reproduces JAX's docstring example from the same normal draws", () => {
    const n = [3.0613258, 5.6129413, 5.6866574, -4.063663, -4.4520254, 0.63115686].map((v) => v / 5);
    const q = orthogonalFromNormal(tensor(Float64Array.from(n), { shape: [3, 2] }), [2, 3], 1);
    const jax = [0.39026976, 0.72495741, -0.56756169, 0.88047469, -0.47409311, -1.3157725e-4];
    values(q).forEach((v, i) => expect(v).toBeCloseTo(jax[i]!, 6));
  });

  it('law: QᵀQ = I for tall shapes and QQᵀ = I for wide ones, along any column axis; scale multiplies', () => {
    const cases = fc.record({
      shape: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 4 }),
      axis: fc.integer({ min: -4, max: 3 }),
      seed: fc.integer({ min: 0, max: 1000 }),
      scale: fc.constantFrom(1, 0.5, 3),
    }).filter(({ shape, axis }) => axis >= -shape.length && axis < shape.length);
    fc.assert(fc.property(cases, ({ shape, axis, seed, scale }) => {
      const q = nn.init.orthogonal(random.key(seed), shape, { columnAxis: axis, scale, dtype: 'float64' });
      expect(q.shape).toEqual(shape);
      const a = axis < 0 ? axis + shape.length : axis;
      const cols = shape[a]!, rows = q.size / cols;
      const order = [...shape.keys()].filter((i) => i !== a).concat([a]);
      const m = reshape(transpose(q, order), [rows, cols]).div(scale);
      const gram = rows >= cols ? matmul(transpose(m), m) : matmul(m, transpose(m));
      const id = values(eye(Math.min(rows, cols), Math.min(rows, cols), 'float64'));
      values(gram).forEach((v, i) => expect(Math.abs(v - id[i]!)).toBeLessThan(1e-12));
    }), { numRuns: 40, seed: 20261127 });
  });

  it('float32 is orthogonal to float32 precision; a 1-D shape is refused', () => {
    const q = nn.init.orthogonal(random.key(3), [64, 32]);
    expect(q.dtype).toBe('float32');
    const gram = values(matmul(transpose(q), q));
    const id = values(eye(32));
    gram.forEach((v, i) => expect(Math.abs(v - id[i]!)).toBeLessThan(1e-5));
    expect(() => nn.init.orthogonal(random.key(0), [4])).toThrow(/orthogonal: needs a shape of at least 2 axes/);
  });
});

describe('every initializer', () => {
  const all: [string, Initializer][] = [
    ['zeros', nn.init.zeros], ['ones', nn.init.ones], ['constant', nn.init.constant], ['uniform', nn.init.uniform],
    ['normal', nn.init.normal], ['truncatedNormal', nn.init.truncatedNormal], ['orthogonal', nn.init.orthogonal],
    ...family.map(([name, init]) => [name, init] as [string, Initializer]),
  ];

  it.each(all)('%s: shape and dtype, same key same values, jit ≡ eager, a batch of keys under vmap', (_name, init) => {
    const key = random.key(5);
    for (const dtype of ['float32', 'float64'] as const) {
      const x = init(key, [6, 4], { dtype });
      expect([x.shape, x.dtype]).toEqual([[6, 4], dtype]);
      expect(init(key, [6, 4], { dtype }).toArray()).toEqual(x.toArray());
    }
    expect(init(key, [6, 4]).dtype).toBe('float32');
    expect(jit((k: Tensor) => init(k, [6, 4]))(key).toArray()).toEqual(init(key, [6, 4]).toArray());
    const keys = random.split(key, 3);
    const batch = vmap((k: Tensor) => init(k, [6, 4]))(keys);
    expect(batch.shape).toEqual([3, 6, 4]);
    expect(batch.toArray()).toEqual(random.splitN(key, 3).map((k) => init(k, [6, 4]).toArray()));
    expect(() => init(key, [2, 2], { dtype: 'int32' as 'float32' })).toThrow(/dtype must be 'float32' or 'float64', got "int32"/);
    expect(() => init(key, [2, -1])).toThrow(/shape must be an array of non-negative integers/);
  });

  it('random ones differ for different keys; constant, zeros and ones ignore the key', () => {
    for (const [name, init] of all) {
      const [a, b] = [init(random.key(1), [5, 5]), init(random.key(2), [5, 5])];
      const same = JSON.stringify(a.toArray()) === JSON.stringify(b.toArray());
      expect([name, same]).toEqual([name, ['zeros', 'ones', 'constant'].includes(name)]);
    }
    expect(nn.init.constant(random.key(0), [2], { value: -7, dtype: 'float64' }).toArray()).toEqual([-7, -7]);
  });

  it('a misspelled option is an error listing the accepted ones, not a silent default (review)', () => {
    const key = random.key(0);
    expect(() => nn.init.normal(key, [2], { std: 0.1 } as never)).toThrow(/nn.init.normal: unknown option 'std'; the options are dtype, stddev/);
    expect(() => nn.init.truncatedNormal(key, [2], { stdev: 1 } as never)).toThrow(/unknown option 'stdev'/);
    expect(() => nn.init.heNormal(key, [2, 2], { in_axis: 0 } as never)).toThrow(/nn.init.heNormal: unknown option 'in_axis'; the options are dtype, inAxis, outAxis, batchAxis/);
    expect(() => nn.init.orthogonal(key, [2, 2], { gain: 2 } as never)).toThrow(/unknown option 'gain'/);
    expect(() => nn.init.withOptions(nn.init.uniform, { scal: 2 } as never)(key, [2])).toThrow(/nn.init.uniform: unknown option 'scal'/);
    expect(nn.init.normal(key, [2], { stddev: 2, dtype: 'float64' }).dtype).toBe('float64');
  });

  it('withOptions fixes options ahead of time; options at the call win', () => {
    const wide = nn.init.withOptions(nn.init.normal, { stddev: 3 });
    expect(values(wide(random.key(4), [3]))).toEqual(values(nn.init.normal(random.key(4), [3], { stddev: 3 })));
    expect(wide(random.key(4), [3], { dtype: 'float64' }).dtype).toBe('float64');
    const seven = nn.init.withOptions(nn.init.constant, { value: 7 });
    expect(seven(random.key(0), [2]).toArray()).toEqual([7, 7]);
    expect(nn.dense(2, 2, { biasInit: seven }).init(random.key(0)).b.toArray()).toEqual([7, 7]);
  });
});
