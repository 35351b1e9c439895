/**
 * `random` against published values and against an independent reference.
 *
 * Where each pinned value comes from:
 * - Threefry-2x32 known-answer vectors: Random123's `kat_vectors` (threefry2x32_20:
 *   zeros, all ones, digits of pi), also pinned in JAX's tests/random_test.py
 *   (`testThreefry2x32`).
 * - `key(seed)` words: tests/random_test.py `test_prng_seeds_and_keys` (the
 *   `jax_enable_x64` column, whose 64-bit reading of negative seeds we follow).
 * - `fold_in(key(0), 4)` and the legacy `split(key(0), 4)`: tests/random_test.py
 *   `testPRNGValues` (fold_in's code path is the same under both settings).
 * - `fold_in(key, i) == split(key, 3)[i]`: tests/random_test.py
 *   `test_threefry_split_fold_in_symmetry` (partitionable only).
 * - `uniform(key(0)) = 0.947667` and, after `key, subkey = split(key)`,
 *   `uniform(subkey) = 0.00729382`: the doctest of the jax.random module page,
 *   docs.jax.dev/en/latest/jax.random.html ("PRNG keys"), run under JAX's
 *   default partitionable setting.
 * - legacy (partitionable=False) samples: tests/random_test.py
 *   `_RANDOM_VALUES_CASES` and `testRngRandomBits`; they check the float and
 *   integer conversions, which are the same under both settings.
 * No published partitionable values were found for normal, truncated normal,
 * Gumbel, bernoulli, randint or 64-bit bits: for those the library is checked
 * against `random-reference.ts`, a plain BigInt implementation of the published
 * algorithm, whose conversions the legacy pins validate.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { erfInvDouble } from '../src/kernels/erfinv.ts';
import type { Tensor } from '../src/index.ts';
import { erfInv, grad, jit, PuregradError, random, scalar, stack, tensor, vmap } from '../src/index.ts';
import { threefry2x32 } from '../src/primitives/random.ts';
import { argsort } from '../src/primitives/sort.ts';
import { erf } from '../src/random/erf.ts';
import * as R from './random-reference.ts';

const words = (t: Tensor): number[] => Array.from(t.toTypedArray(), (v) => v >>> 0);
const floats = (t: Tensor): number[] => Array.from(t.toTypedArray());
const keyOf = (k: readonly [number, number]): Tensor => tensor(Int32Array.of(k[0] | 0, k[1] | 0), { shape: [2] });
const closeAll = (actual: readonly number[], expected: readonly number[], tol: number): void => {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]!)).toBeLessThanOrEqual(tol * Math.max(1, Math.abs(expected[i]!))));
};

describe('Threefry-2x32', () => {
  const i32 = (vs: number[]) => vs.map((v) => tensor(Int32Array.of(v | 0), { shape: [] }));
  const kat: [number[], number[]][] = [
    [[0, 0, 0, 0], [0x6b200159, 0x99ba4efe]],
    [[0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
    [[0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]], // key, then counter
  ];

  it('matches the Random123 known-answer vectors, eagerly and under jit', () => {
    for (const [input, expected] of kat) {
      expect(threefry2x32(...(i32(input) as [Tensor, Tensor, Tensor, Tensor])).map((t) => words(t)[0])).toEqual(expected);
      const jitted = jit((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => [...threefry2x32(a, b, c, d)]);
      expect(jitted(...(i32(input) as [Tensor, Tensor, Tensor, Tensor])).map((t) => words(t)[0])).toEqual(expected);
      expect(R.threefryRef([input[0]!, input[1]!], [input[2]!, input[3]!])).toEqual(expected);
    }
  });

  it('agrees with the BigInt reference on many blocks, broadcasting the key', () => {
    const n = 257;
    const lo = tensor(Int32Array.from({ length: n }, (_, i) => Math.imul(i, 0x9e3779b9)), { shape: [n] });
    const [y0, y1] = threefry2x32(...(i32([0xdeadbeef, 7, 0x80000000]) as [Tensor, Tensor, Tensor]), lo);
    const expected = words(lo).map((c) => R.threefryRef([0xdeadbeef, 7], [0x80000000, c]));
    expect(words(y0).map((a, i) => [a, words(y1)[i]])).toEqual(expected);
  });
});

describe('keys', () => {
  it('key(seed) splits a 64-bit seed into words as JAX does (test_prng_seeds_and_keys, x64)', () => {
    const cases: [number, number[]][] = [
      [0, [0, 0]], [1, [0, 1]], [2, [0, 2]], [3, [0, 3]],
      [-1, [4294967295, 4294967295]], [-3, [4294967295, 4294967293]],
      [2147483647 + 100, [0, 2147483747]], [2147483647 + 101, [0, 2147483748]],
      [-2147483648 - 100, [4294967295, 2147483548]], [-2147483648 - 101, [4294967295, 2147483547]],
    ];
    for (const [seed, expected] of cases) {
      expect(words(random.key(seed))).toEqual(expected);
      expect([...R.seedKey(seed)]).toEqual(expected);
    }
    expect(words(random.key(2 ** 53 - 1))).toEqual([2 ** 21 - 1, 2 ** 32 - 1]);
  });

  it('split and foldIn match the published values and the reference', () => {
    const k0 = random.key(0);
    expect(words(random.foldIn(k0, 4))).toEqual([2285895361, 433833334]); // testPRNGValues
    expect(R.legacy.split([0, 0], 4)).toEqual([
      [2285895361, 1501764800], [1518642379, 4090693311], [433833334, 4221794875], [839183663, 3740430601],
    ]); // testPRNGValues, legacy split: the same Threefry under the other derivation
    for (const seed of [0, 42, 1701, -7]) {
      const k = random.key(seed);
      expect(words(random.split(k, 5).reshape([10]))).toEqual(R.partitionable.split(R.seedKey(seed), 5).flat());
    }
  });

  it('fold_in(key, i) equals split(key, 3)[i] (test_threefry_split_fold_in_symmetry)', () => {
    const k = random.key(72);
    const parts = random.splitN(k, 3);
    parts.forEach((p, i) => expect(words(random.foldIn(k, i))).toEqual(words(p)));
    expect(words(random.foldIn(k, tensor(Int32Array.of(2), { shape: [] })))).toEqual(words(parts[2]!));
  });

  it('uniform(key(0)) and uniform(split(key(0))[1]) are the docs.jax.dev values', () => {
    const k0 = random.key(0);
    expect(random.uniform(k0).item()).toBeCloseTo(0.947667, 6);
    expect(random.uniform(random.splitN(k0)[1]!).item()).toBeCloseTo(0.00729382, 8);
  });
});

describe('samplers against JAX (legacy pins) and the reference (partitionable)', () => {
  const seed = (name: string) => R.adler32(`${name}threefry2x32`);
  const legacyBits = (name: string, n: number) => R.legacy.bits32([0, seed(name)], n);

  it("the reference's conversions reproduce JAX's pinned legacy values (_RANDOM_VALUES_CASES)", () => {
    expect(legacyBits('bits', 5)).toEqual([1978747883, 4134381225, 3628107870, 689687174, 2788938207]);
    expect(R.legacy.bits64([0, seed('bits')], 5)).toEqual([
      17649965731882839947n, 1415307058040849897n, 8282622628079774249n, 14024425113645909402n, 2012979996110532418n,
    ]);
    closeAll(R.uniform32(legacyBits('uniform', 5)), [0.298671, 0.073213, 0.873356, 0.260549, 0.412797], 1e-6);
    closeAll(R.normal32(legacyBits('normal', 5)), [-1.173234, -1.511662, 0.070593, -0.099764, 1.052845], 1e-6);
    closeAll(R.truncatedNormal32(legacyBits('truncated_normal', 5), 0, 2), [0.582807, 1.709771, 0.159513, 0.861376, 0.36148], 1e-6);
    closeAll(R.gumbel32(legacyBits('gumbel', 5)), [2.06701, 0.911726, 0.145736, 0.185427, -0.00711], 1e-5);
    expect(R.uniform32(legacyBits('bernoulli', 5)).map((v) => v < 0.5)).toEqual([false, true, true, true, false]);
    expect(R.randint32(R.legacy, [0, seed('randint')], 5, 0, 10)).toEqual([0, 5, 7, 7, 5]);
    expect(R.legacy.bits32([0, 1701], 3)).toEqual([56197195, 4200222568, 961309823]); // testRngRandomBits
  });

  const keys: [number, number][] = [[0, 0], [0, 1701], [0xffffffff, 3], [0x12345678, 0x9abcdef0]];
  const n = 300;

  it('bits, uniform (float32 and float64) equal the reference bit for bit', () => {
    for (const k of keys) {
      expect(words(random.bits(keyOf(k), [n]))).toEqual(R.partitionable.bits32(k, n));
      expect(floats(random.uniform(keyOf(k), [n]))).toEqual(R.uniform32(R.partitionable.bits32(k, n)));
      expect(floats(random.uniform(keyOf(k), [3, 100], { minval: -2, maxval: 5 }))).toEqual(R.uniform32(R.partitionable.bits32(k, n), -2, 5));
      expect(floats(random.uniform(keyOf(k), [n], { dtype: 'float64' }))).toEqual(R.uniform64(R.partitionable.bits64(k, n)));
    }
  });

  it('normal, truncatedNormal, gumbel, bernoulli and randint equal the reference', () => {
    for (const k of keys) {
      const b = R.partitionable.bits32(k, n);
      expect(floats(random.normal(keyOf(k), [n]))).toEqual(R.normal32(b));
      expect(floats(random.truncatedNormal(keyOf(k), [n], { lower: -0.5, upper: 1.5 }))).toEqual(R.truncatedNormal32(b, -0.5, 1.5));
      expect(floats(random.gumbel(keyOf(k), [n]))).toEqual(R.gumbel32(b));
      expect(floats(random.bernoulli(keyOf(k), 0.3, [n])).map(Boolean)).toEqual(R.uniform32(b).map((v) => v < 0.3));
      expect(floats(random.randint(keyOf(k), [n], -5, 1000))).toEqual(R.randint32(R.partitionable, k, n, -5, 1000));
    }
  });

  it('categorical is the argmax of logits plus the Gumbel noise of the same key', () => {
    const logits = tensor([[0.1, 2, -1], [0, 0, 0]]);
    const g = R.gumbel32(R.partitionable.bits32([0, 5], 12)); // noise shape [2, 2, 3]
    const expected = [0, 1, 2, 3].map((row) => {
      const v = [0, 1, 2].map((j) => Math.fround(g[row * 3 + j]! + floats(logits)[(row % 2) * 3 + j]!));
      return v.indexOf(Math.max(...v));
    });
    expect(floats(random.categorical(random.key(5), logits, { shape: [2, 2] }))).toEqual(expected);
  });
});

describe('keys are tensors: jit and vmap', () => {
  it('jit(sampler) ≡ eager, bit for bit', () => {
    const k = random.key(3);
    const f = (key: Tensor) => [random.normal(key, [50]), random.uniform(key, [4], { dtype: 'float64' }),
      random.randint(key, [6], 0, 7), random.permutation(key, 9), random.split(key, 3), random.categorical(key, tensor([1, 2, 3]))];
    const eager = f(k);
    jit(f)(k).forEach((t, i) => expect(Array.from(t.toTypedArray())).toEqual(Array.from(eager[i]!.toTypedArray())));
  });

  it('vmap over keys ≡ a loop over keys, and vmap over seeds', () => {
    const keys = random.split(random.key(11), 4);
    const f = (key: Tensor) => random.truncatedNormal(random.foldIn(key, 9), [3]);
    const looped = stack(random.splitN(random.key(11), 4).map(f));
    expect(floats(vmap(f)(keys))).toEqual(floats(looped));
    const perms = vmap((key: Tensor) => random.permutation(key, 5))(keys);
    expect(floats(perms)).toEqual(floats(stack(random.splitN(random.key(11), 4).map((key) => random.permutation(key, 5)))));
    const seeds = tensor([1, 2, 3], { dtype: 'int32' });
    expect(floats(vmap((s: Tensor) => random.uniform(random.key(s)))(seeds))).toEqual([1, 2, 3].map((s) => random.uniform(random.key(s)).item()));
  });
});

describe('erfInv', () => {
  it('float64 inverts erf to within a few ulp (round trip) and is 2 ulp from erf⁻¹(0.5) to 20 digits', () => {
    for (let x = -0.999; x <= 0.999; x += 0.00731) {
      // backward error: erfInv(x) is the exact inverse of a number within 4 ulp of x
      expect(Math.abs(erf(erfInvDouble(x)) - x)).toBeLessThanOrEqual(4 * Number.EPSILON);
    }
    expect(Math.abs(erfInvDouble(0.5) - 0.47693627620446987338)).toBeLessThanOrEqual(2 * 2 ** -54);
    expect(erfInv(tensor([0.5, -0.999, 1, -1, 1.5], { dtype: 'float64' })).toArray()).toEqual([
      erfInvDouble(0.5), erfInvDouble(-0.999), Infinity, -Infinity, NaN,
    ]);
  });

  it('float32 is within 4 ulp of the float64 value, and its derivative is √π/2·exp(y²)', () => {
    const xs = Array.from({ length: 199 }, (_, i) => Math.fround(-0.99 + i * 0.01));
    const got = floats(erfInv(tensor(xs)));
    got.forEach((y, i) => expect(Math.abs(y - erfInvDouble(xs[i]!))).toBeLessThanOrEqual(4 * 2 ** -23 * Math.max(Math.abs(y), 2 ** -10)));
    const y = erfInvDouble(0.3);
    expect(grad((x: Tensor) => erfInv(x))(scalar(0.3, 'float64')).item()).toBeCloseTo((Math.sqrt(Math.PI) / 2) * Math.exp(y * y), 14);
  });

  it('the host erf agrees with tabulated values to 2 ulp', () => {
    closeAll([0.5, 1, 2, 3, -2.5].map(erf), [0.5204998778130465, 0.8427007929497149, 0.9953222650189527, 0.9999779095030014, -0.999593047982555], 2 * Number.EPSILON);
  });
});

describe('argsort (radix sort on order-preserving keys)', () => {
  /** The definition: a stable comparison sort, NaN after everything, −0 equal to +0. */
  const reference = (row: readonly number[]): number[] =>
    row.map((_, i) => i).sort((i, j) => {
      const [u, v] = [row[i]!, row[j]!];
      if (Number.isNaN(u) || Number.isNaN(v)) return Number(Number.isNaN(u)) - Number(Number.isNaN(v));
      return u < v ? -1 : u > v ? 1 : 0;
    });
  const special = [0, -0, 1, -1, 0.5, -0.5, Infinity, -Infinity, NaN, -NaN, 3e38, -3e38, 1e-45, -1e-45, 2 ** 31, 2];

  it.each([
    ['float32', 'float32'], ['float64', 'float64'], ['int32', 'int32'],
  ] as const)('%s: rows short (insertion) and long (radix) with ties, ±0, ±Infinity, NaN', (_name, dtype) => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 300 }), fc.integer(), (rows, n, s) => {
      let state = s >>> 0;
      const next = () => (state = (Math.imul(state, 1664525) + 1013904223) >>> 0);
      const pick = (): number => {
        const r = next();
        if (dtype === 'int32') return r % 3 === 0 ? (r | 0) : (r % 7) - 3; // many ties, and the full range
        return r % 4 === 0 ? special[r % special.length]! : ((r % 9) - 4) / 4 + (r % 5 === 0 ? r / 2 ** 40 : 0);
      };
      const x = tensor(Array.from({ length: rows * n }, pick), { shape: [rows, n], dtype });
      const values = Array.from(x.toTypedArray());
      const got = Array.from(argsort(x).toTypedArray());
      for (let r = 0; r < rows; r++) expect(got.slice(r * n, (r + 1) * n)).toEqual(reference(values.slice(r * n, (r + 1) * n)));
    }), { numRuns: 40, seed: 8 });
  });

  it('permutation is a permutation, and the same for the same key', () => {
    const p = random.permutation(random.key(3), 5000);
    expect(Array.from(p.toTypedArray()).sort((a, b) => a - b)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(Array.from(random.permutation(random.key(3), 5000).toTypedArray())).toEqual(Array.from(p.toTypedArray()));
  });
});

describe('choice with p', () => {
  it('is the inverse CDF of the running sum of p at r = total·(1 − u), as JAX searches its cumsum', () => {
    const p = tensor([0.5, 0, 2, 1, 0.25, 3, 0.125], { dtype: 'float64' });
    const k = random.key(9);
    const got = floats(random.choice(k, 7, { shape: [200], p }));
    const cumulative: number[] = [];
    floats(p).reduce((acc, v) => (cumulative.push(acc + v), acc + v), 0);
    const total = cumulative[6]!;
    const expected = floats(random.uniform(k, [200], { dtype: 'float64' })).map((u) => {
      const r = total * (1 - u);
      return Math.min(cumulative.filter((c) => c < r).length, 6); // searchsorted, side 'left'
    });
    expect(got).toEqual(expected);
    expect(got.includes(1)).toBe(false); // a zero weight is never drawn
  });

  it('scales to large populations: the running sum takes O(n log n), not an n × n matrix (review)', () => {
    // n = 50 000 used to build a 50 000² triangular matrix of ones (10 GB in float32)
    const n = 50000;
    const p = tensor(Float32Array.from({ length: n }, (_, i) => (i === n - 1 ? 1 : 0)));
    expect(floats(random.choice(random.key(0), n, { shape: [3], p }))).toEqual([n - 1, n - 1, n - 1]);
  });
});

describe('argument checks', () => {
  const refuses = (f: () => unknown, op: string) => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(PuregradError);
      expect((e as PuregradError).op).toBe(op);
      return;
    }
    throw new Error(`${op} accepted bad input`);
  };
  it('names the op and says what is wrong', () => {
    refuses(() => random.key(0.5), 'random.key');
    refuses(() => random.key(2 ** 60), 'random.key');
    refuses(() => random.uniform(tensor([0, 0]), [2]), 'random.uniform');
    refuses(() => random.split(random.key(0).reshape([1, 2])), 'random.split');
    refuses(() => random.normal(random.key(0), [-1]), 'random.normal');
    refuses(() => random.uniform(random.key(0), [2], { minval: tensor([0, 0, 0]) }), 'random.uniform');
    refuses(() => random.truncatedNormal(random.key(0), [2], { lower: 1, upper: 1 }), 'random.truncatedNormal');
    refuses(() => random.choice(random.key(0), 3, { shape: [4], replace: false }), 'random.choice');
    refuses(() => random.foldIn(random.key(0), 2 ** 32), 'random.foldIn');
  });

  it('refuses a misspelled option instead of drawing float32 or the default shape (review)', () => {
    const k = random.key(0);
    expect(() => random.normal(k, [2], { dtyp: 'float64' } as never)).toThrow(/random.normal: unknown option 'dtyp'; the options are dtype/);
    expect(() => random.uniform(k, [2], { min: -1 } as never)).toThrow(/random.uniform: unknown option 'min'; the options are dtype, minval, maxval/);
    expect(() => random.truncatedNormal(k, [2], { low: -1 } as never)).toThrow(/unknown option 'low'/);
    expect(() => random.choice(k, 5, { size: [3] } as never)).toThrow(/random.choice: unknown option 'size'/);
    expect(() => random.categorical(k, tensor([0, 1]), { axes: 0 } as never)).toThrow(/unknown option 'axes'/);
    expect(() => random.permutation(k, 3, { independent: true } as never)).toThrow(/random.permutation: unknown option 'independent'/);
    expect(() => random.key('3' as never)).toThrow(/random.key: seed must be an integer .* got a string/);
  });
});
